// The run's files as an artifact, uploaded with @actions/artifact (the service
// actions/upload-artifact@v4 uses), named per service so a matrix keeps one
// each, and linked from the comment. An upload is a convenience: where there is
// no artifact service (a laptop, GHES, an outage) it is skipped with a notice
// and the verdict stands.
import type { ArtifactClient } from '@actions/artifact'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

/** What we use of @actions/artifact's client; tests pass the real one against a local service. */
export type ArtifactClientLike = Pick<ArtifactClient, 'uploadArtifact' | 'listArtifacts' | 'downloadArtifact'>

export interface ArtifactLog {
  info(line: string): void
  notice(line: string): void
}

export interface UploadedArtifact {
  id: number
  name: string
  size?: number
  /** The artifact's own page (its download), when the run is known. */
  url?: string
}

/** Every artifact of ours starts with this, so the comment workflow finds them among others. */
export const ARTIFACT_PREFIX = 'memleak-'
/** A run directory holds a few files per snapshot; more means something else is in it. */
const MAX_FILES = 5000
const MAX_DEPTH = 6
const UPLOAD_TIMEOUT_MS = 5 * 60_000

/** Loaded on first use: the Azure storage client it brings is only needed for an upload or a download. */
export async function loadArtifactClient(): Promise<ArtifactClientLike> {
  const { DefaultArtifactClient } = await import('@actions/artifact')
  return new DefaultArtifactClient()
}

/**
 * Why the artifact service cannot be used in this process, or undefined when it
 * can. The runner gives a job ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL
 * (needed for this run's artifacts; another run's go through the REST API);
 * GHES has no v4 artifact service (@actions/artifact refuses it by host name).
 */
export function artifactServiceUnavailable(
  env: NodeJS.ProcessEnv = process.env,
  opts: { runtimeToken?: boolean } = {},
): string | undefined {
  if ((opts.runtimeToken ?? true) && (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL))
    return 'no artifact service here (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset: not a GitHub Actions job)'
  let host: string
  try {
    host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.toLowerCase()
  } catch {
    return `GITHUB_SERVER_URL is not a URL: ${JSON.stringify(env.GITHUB_SERVER_URL)}`
  }
  if (host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost'))
    return `GitHub Enterprise Server (${host}) has no artifact service that @actions/artifact v2+ can use`
  return undefined
}

/**
 * The artifact name for a comment id: readable, and within the artifact rules
 * (no " : < > | * ? \ / or line breaks). `memleak:services/api:./cmd/api`
 * becomes `memleak-memleak-services-api-cmd-api`.
 */
export function artifactNameFor(commentId: string): string {
  const words = commentId
    .split(/[^A-Za-z0-9._-]+/)
    .map((w) => w.replace(/^[.-]+|[.-]+$/g, ''))
    .filter(Boolean)
  return `${ARTIFACT_PREFIX}${words.join('-') || 'report'}`.slice(0, 200)
}

/** `{server}/{owner}/{repo}/actions/runs/{runId}/artifacts/{id}`: the artifact itself, not only the run. */
export function artifactPageUrl(runPageUrl: string | undefined, artifactId: number): string | undefined {
  return runPageUrl && Number.isSafeInteger(artifactId) && artifactId > 0
    ? `${runPageUrl}/artifacts/${artifactId}`
    : undefined
}

/**
 * Regular files under dir, sorted. Links are left out: the service under test
 * could have planted one in the run directory, and the uploader would follow it.
 */
export async function runFiles(dir: string): Promise<string[]> {
  const found: string[] = []
  const walk = async (at: string, depth: number): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true })
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      if (entry.isFile()) found.push(join(at, entry.name))
      else if (entry.isDirectory() && depth < MAX_DEPTH) await walk(join(at, entry.name), depth + 1)
      if (found.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} files under ${dir}`)
    }
  }
  await walk(dir, 0)
  return found
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0]
}

export interface UploadOptions {
  /** Loaded only when the service is there (the default loads @actions/artifact). */
  client?: () => Promise<ArtifactClientLike>
  /** The directory; every regular file under it, relative names kept. */
  dir: string
  name: string
  /** The run's page; the artifact's link is built on it. */
  runPageUrl?: string
  log: ArtifactLog
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/** Uploads dir as one artifact; never throws: undefined (with a notice) when it was not uploaded. */
export async function uploadRunArtifact(opts: UploadOptions): Promise<UploadedArtifact | undefined> {
  const { log, name } = opts
  const skip = (why: string): undefined => {
    log.notice(
      `Profiles not uploaded as an artifact: ${why}. They are in ${opts.dir} (the artifact-dir output).`,
    )
    return undefined
  }
  const unavailable = artifactServiceUnavailable(opts.env)
  if (unavailable) return skip(unavailable)
  let timer: NodeJS.Timeout | undefined
  try {
    const files = await runFiles(opts.dir)
    if (files.length === 0) {
      // A run that failed before measuring anything: nothing to keep, nothing to say twice.
      log.info(`No artifact: ${opts.dir} is empty.`)
      return undefined
    }
    const client = await (opts.client ?? loadArtifactClient)()
    const timeoutMs = opts.timeoutMs ?? UPLOAD_TIMEOUT_MS
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs)
      timer.unref()
    })
    const { id, size } = await Promise.race([client.uploadArtifact(name, files, opts.dir), timeout])
    if (id === undefined) return skip('the artifact service returned no id')
    const url = artifactPageUrl(opts.runPageUrl, id)
    log.info(
      `Uploaded artifact ${name} (${files.length} files, ${size ?? '?'} bytes)${url ? `: ${url}` : ''}`,
    )
    return { id, name, size, url }
  } catch (error) {
    return skip(`the upload of ${name} failed: ${message(error)}`)
  } finally {
    clearTimeout(timer)
  }
}
