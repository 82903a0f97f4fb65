// The reports a measuring run uploaded, fetched for the comment workflow. The
// artifacts are untrusted (on a fork's PR the measuring job ran the PR's code):
// each is downloaded as its zip, never extracted; only entries named report.json
// are read, with caps on the archive, the entry and its inflated size, and a
// link, a `../` name or a digest that does not match refuses the artifact. What
// passes is written to a fresh directory for the validating reader (readReports).
import type { FindOptions } from '@actions/artifact'
import { createHash } from 'node:crypto'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ARTIFACT_PREFIX, artifactPageUrl, type ArtifactClientLike, type ArtifactLog } from './artifact.js'
import { openZip } from './zip.js'

export type FindBy = NonNullable<FindOptions['findBy']>

/** A run's zip of profiles is a few MB; a GiB is not something we uploaded. */
export const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024
/** As readReports: a real report is well under 1 MiB. */
export const MAX_REPORT_BYTES = 32 * 1024 * 1024
/** As readReports: more than any matrix a PR needs. */
const MAX_ARTIFACTS = 50
/** report.json sits at the top of our artifact; a few levels allow for a hand-made one. */
const MAX_DEPTH = 3
const REPORT_FILE = 'report.json'

export interface DownloadedArtifact {
  id: number
  name: string
  /** The artifact's page, when the run's page is known. */
  url?: string
  /** report.json files written for it (0 when the measuring step failed before writing one). */
  reports: number
}

export interface DownloadReportsOptions {
  client: ArtifactClientLike
  /** Another run's artifacts (the workflow_run's); undefined: this run's (a job after a matrix). */
  findBy?: FindBy
  /** An empty directory of ours: artifacts' zips and the reports read from them go here. */
  dest: string
  /** The measuring run's page, for the artifacts' links. */
  runPageUrl?: string
  log: ArtifactLog
}

/** Directory-safe form of an artifact's name (already free of / and \ by the artifact rules). */
function dirName(name: string, id: number): string {
  return `${name.replace(/[^\w.-]/g, '_').slice(0, 100)}-${id}`
}

/** The report.json entries of one downloaded zip, checked and written under outDir. */
async function extractReports(zipPath: string, outDir: string, label: string, seen: Set<string>) {
  const zip = await openZip(zipPath).catch((error: unknown) => {
    throw new Error(`artifact ${label} refused: ${(error as Error).message}`)
  })
  let written = 0
  try {
    for (const entry of zip.entries) {
      const parts = entry.name.split('/')
      if (parts[parts.length - 1] !== REPORT_FILE) continue
      const refuse = (why: string): never => {
        throw new Error(`artifact ${label} refused: ${JSON.stringify(entry.name.slice(0, 200))} ${why}`)
      }
      if (entry.isLink) refuse('is a symbolic link')
      if (
        entry.name.startsWith('/') ||
        entry.name.includes('\\') ||
        parts.some((p) => p === '..' || p === '')
      )
        refuse('is not a plain relative path')
      if (parts.length - 1 > MAX_DEPTH) refuse(`is more than ${MAX_DEPTH} directories deep`)
      if (entry.size > MAX_REPORT_BYTES)
        refuse(`is ${entry.size} bytes, larger than any real report (${MAX_REPORT_BYTES})`)
      const data = await zip.read(entry, MAX_REPORT_BYTES).catch((error: unknown) => {
        throw new Error(`artifact ${label} refused: ${(error as Error).message}`)
      })
      // The same report uploaded twice (our upload beside an upload-artifact step) is posted once.
      const digest = createHash('sha256').update(data).digest('hex')
      if (seen.has(digest)) continue
      seen.add(digest)
      const target = join(outDir, ...parts)
      await mkdir(join(target, '..'), { recursive: true })
      await writeFile(target, data, { flag: 'wx' })
      written++
    }
  } finally {
    await zip.close()
  }
  return written
}

/**
 * Downloads every `memleak-*` artifact of the run and writes the report.json
 * files they hold under dest/reports/<artifact>/. Throws one line naming the
 * artifact when one is refused or when there is none.
 */
export async function downloadReportArtifacts(opts: DownloadReportsOptions): Promise<{
  reportsDir: string
  artifacts: DownloadedArtifact[]
}> {
  const { client, findBy, log } = opts
  const where = findBy ? `run ${findBy.workflowRunId}` : 'this run'
  const { artifacts: all } = await client.listArtifacts({ latest: true, ...(findBy ? { findBy } : {}) })
  const ours = all.filter((a) => a.name.startsWith(ARTIFACT_PREFIX)).sort((a, b) => a.id - b.id)
  if (ours.length === 0) {
    const others = all.map((a) => a.name).slice(0, 10)
    throw new Error(
      `no ${ARTIFACT_PREFIX}* artifact in ${where}` +
        (others.length ? ` (it has ${others.join(', ')})` : '') +
        '; the measuring step uploads one unless upload-artifact is false (then give report-path)',
    )
  }
  if (ours.length > MAX_ARTIFACTS)
    throw new Error(`${ours.length} ${ARTIFACT_PREFIX}* artifacts in ${where}, more than ${MAX_ARTIFACTS}`)

  const reportsDir = join(opts.dest, 'reports')
  await mkdir(reportsDir, { recursive: true })
  const seen = new Set<string>()
  const out: DownloadedArtifact[] = []
  for (const artifact of ours) {
    const label = `${artifact.name} (${artifact.id})`
    if (!Number.isSafeInteger(artifact.id) || artifact.id <= 0) throw new Error(`artifact ${label}: bad id`)
    if (artifact.size > MAX_ARTIFACT_BYTES)
      throw new Error(
        `artifact ${label} refused: ${artifact.size} bytes, more than ${MAX_ARTIFACT_BYTES} (not one of ours)`,
      )
    const zipDir = join(opts.dest, 'zips', String(artifact.id))
    await mkdir(zipDir, { recursive: true })
    const { digestMismatch } = await client.downloadArtifact(artifact.id, {
      path: zipDir,
      skipDecompress: true,
      ...(artifact.digest ? { expectedHash: artifact.digest } : {}),
      ...(findBy ? { findBy } : {}),
    })
    if (digestMismatch) throw new Error(`artifact ${label} refused: its content does not match its digest`)
    const files = await readdir(zipDir, { withFileTypes: true })
    if (files.length !== 1 || !files[0].isFile())
      throw new Error(`artifact ${label}: expected one zip, got ${files.length} entries`)
    const reports = await extractReports(
      join(zipDir, files[0].name),
      join(reportsDir, dirName(artifact.name, artifact.id)),
      label,
      seen,
    )
    log.info(
      `Artifact ${label}: ${reports ? `${reports} report${reports > 1 ? 's' : ''}` : 'no report.json (the measuring step stopped before writing one)'}`,
    )
    out.push({
      id: artifact.id,
      name: artifact.name,
      url: artifactPageUrl(opts.runPageUrl, artifact.id),
      reports,
    })
  }
  return { reportsDir, artifacts: out }
}
