// Artifacts with the real @actions/artifact client against a local stand-in of
// the Actions artifact service (Twirp + blob storage) and of the REST API, over
// HTTP on 127.0.0.1: the run directory uploaded under its per-service name, the
// skip where there is no service, and the comment workflow's download of the
// triggering run's report, with hostile artifacts refused in one line.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { makeZip, startArtifactService, type ArtifactService } from '../support/artifact-service.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'

// Imported after the stand-ins start: @actions/github reads GITHUB_API_URL once, when first
// imported, and @actions/artifact's findBy calls use that client.
type ArtifactModule = typeof import('../../src/github/artifact.js')
type FromReports = typeof import('../../src/action/comment-mode.js')
type InputsModule = typeof import('../../src/run/inputs.js')
type ArtifactLib = typeof import('@actions/artifact')
let artifact: ArtifactModule
let fromReports: FromReports
let inputsModule: InputsModule
let lib: ArtifactLib

const FIXTURE = resolve(import.meta.dirname, '../fixtures/reports/api-leak.json')
const REPORT = readFileSync(FIXTURE, 'utf8')
const HEAD = (JSON.parse(REPORT) as { meta: { headSha: string } }).meta.headSha
const MEASURING_RUN = 5151
const RUN_PAGE = `https://github.com/octo/service/actions/runs/${MEASURING_RUN}`

let service: ArtifactService
let api: GitHubApi
let root: string
const savedEnv = { ...process.env }

beforeAll(async () => {
  service = await startArtifactService()
  api = await startGitHubApi()
  service.attachRest(api)
  root = mkdtempSync(join(tmpdir(), 'memleak-artifact-test-'))
  Object.assign(process.env, {
    GITHUB_API_URL: api.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: root,
    RUNNER_TEMP: root,
  })
  artifact = await import('../../src/github/artifact.js')
  fromReports = await import('../../src/action/comment-mode.js')
  inputsModule = await import('../../src/run/inputs.js')
  lib = await import('@actions/artifact')
})

afterAll(async () => {
  process.env = savedEnv
  await service?.close()
  await api?.close()
  rmSync(root, { recursive: true, force: true })
})

afterEach(() => {
  for (const name of ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY'])
    delete process.env[name]
  // A failing verdict sets the exit code of this test process; these tests judge it themselves.
  process.exitCode = undefined
})

/** The runner's view of a job of `run`: its runtime token for the stand-in. */
function asJobOf(run: number | string): void {
  process.env.ACTIONS_RUNTIME_TOKEN = service.runtimeToken(run)
  process.env.ACTIONS_RESULTS_URL = `${service.url}/`
}

function recorder() {
  const lines: { level: 'info' | 'notice'; line: string }[] = []
  return {
    lines,
    log: {
      info: (line: string) => lines.push({ level: 'info', line }),
      notice: (line: string) => lines.push({ level: 'notice', line }),
    },
    notices: () => lines.filter((l) => l.level === 'notice').map((l) => l.line),
  }
}

/** A run directory as the pipeline leaves it, with a link the service under test could have planted. */
function runDir(report = REPORT): { dir: string; files: Record<string, string> } {
  const dir = mkdtempSync(join(root, 'run-'))
  const files: Record<string, string> = {
    'report.json': report,
    'base.pb.gz': 'base heap',
    'head.pb.gz': 'head heap',
    'base/service.log': 'listening on :8080\n',
    'head/service.log': 'listening on :8080\n',
  }
  for (const side of ['base', 'head'])
    for (const s of ['S0', 'S1', 'S2', 'Sf']) {
      files[`${side}/${s}.heap.pb.gz`] = `${side} ${s} heap`
      files[`${side}/${s}.goroutine.pb.gz`] = `${side} ${s} goroutines`
    }
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  symlinkSync('/etc/hostname', join(dir, 'head', 'planted.log'))
  return { dir, files }
}

const realClient = async () => new lib.DefaultArtifactClient()

describe('upload', () => {
  it('names an artifact per service, within the artifact name rules', () => {
    expect(artifact.artifactNameFor('memleak:services/api:./cmd/api')).toBe(
      'memleak-memleak-services-api-cmd-api',
    )
    expect(artifact.artifactNameFor('memleak:.:.')).toBe('memleak-memleak')
    expect(artifact.artifactNameFor('a "b" <c>|d*?\\e\n')).toBe('memleak-a-b-c-d-e')
    expect(artifact.artifactNameFor(':::')).toBe('memleak-report')
  })

  it('uploads every profile, the logs and report.json under the per-service name, and links the artifact', async () => {
    asJobOf(MEASURING_RUN)
    const { dir, files } = runDir()
    const log = recorder()
    const name = artifact.artifactNameFor('memleak:services/api:./cmd/api')
    const uploaded = await artifact.uploadRunArtifact({
      client: realClient,
      dir,
      name,
      runPageUrl: RUN_PAGE,
      log: log.log,
    })
    expect(log.notices()).toEqual([])
    const stored = service.artifacts.find((a) => a.id === uploaded?.id)!
    expect(stored).toMatchObject({ name, run: String(MEASURING_RUN), job: 'job-1', finalized: true })
    expect(uploaded).toMatchObject({ name, url: `${RUN_PAGE}/artifacts/${stored.id}` })
    const create = service.calls.find((c) => c.path.endsWith('/CreateArtifact'))!
    expect(create.authorization).toBe(`Bearer ${process.env.ACTIONS_RUNTIME_TOKEN}`)
    expect(create.body).toMatchObject({ workflow_run_backend_id: String(MEASURING_RUN), name, version: 7 })

    // What was stored is a zip of exactly the run's regular files, relative names kept.
    const zipPath = join(root, `${stored.id}.zip`)
    writeFileSync(zipPath, stored.zip!)
    expect(stored.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const { openZip } = await import('../../src/github/zip.js')
    const zip = await openZip(zipPath)
    try {
      const entries = zip.entries.filter((e) => !e.isDirectory)
      expect(entries.map((e) => e.name).sort()).toEqual(Object.keys(files).sort())
      for (const entry of entries)
        expect((await zip.read(entry, 1 << 20)).toString('utf8')).toBe(files[entry.name])
    } finally {
      await zip.close()
    }
  })

  it('skips with a notice where there is no artifact service (a local run), calling nothing', async () => {
    const { dir } = runDir()
    const log = recorder()
    const calls = service.calls.length
    const uploaded = await artifact.uploadRunArtifact({
      client: realClient,
      dir,
      name: 'memleak-x',
      log: log.log,
    })
    expect(uploaded).toBeUndefined()
    expect(log.notices()).toEqual([
      `Profiles not uploaded as an artifact: no artifact service here (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is unset: not a GitHub Actions job). They are in ${dir} (the artifact-dir output).`,
    ])
    expect(service.calls.length).toBe(calls)
  })

  it('skips with a notice on GHES, whose artifact service @actions/artifact cannot use', async () => {
    asJobOf(MEASURING_RUN)
    const log = recorder()
    const uploaded = await artifact.uploadRunArtifact({
      client: realClient,
      dir: runDir().dir,
      name: 'memleak-x',
      log: log.log,
      env: { ...process.env, GITHUB_SERVER_URL: 'https://github.corp.example' },
    })
    expect(uploaded).toBeUndefined()
    expect(log.notices()[0]).toContain('GitHub Enterprise Server (github.corp.example)')
  })

  it('skips with a one-line notice when the service refuses or is down; nothing is thrown', async () => {
    asJobOf(MEASURING_RUN)
    const log = recorder()
    service.failNext(403)
    expect(
      await artifact.uploadRunArtifact({
        client: realClient,
        dir: runDir().dir,
        name: 'memleak-refused',
        log: log.log,
      }),
    ).toBeUndefined()
    process.env.ACTIONS_RESULTS_URL = 'http://127.0.0.1:9/'
    expect(
      await artifact.uploadRunArtifact({
        client: realClient,
        dir: runDir().dir,
        name: 'memleak-down',
        log: log.log,
      }),
    ).toBeUndefined()
    const notices = log.notices()
    expect(notices).toHaveLength(2)
    expect(notices[0]).toMatch(
      /^Profiles not uploaded as an artifact: the upload of memleak-refused failed: .*403/,
    )
    expect(notices[1]).toMatch(/the upload of memleak-down failed: .*ECONNREFUSED/)
    for (const n of notices) expect(n).not.toContain('\n')
    expect(service.artifacts.some((a) => a.name === 'memleak-down')).toBe(false)
  })
})

describe('download for the comment workflow', () => {
  /** A job of the comment workflow, triggered by the measuring run (workflow_run). */
  function commentEnv(mode: 'comment' | 'aggregate', run: number | null) {
    process.env.GITHUB_OUTPUT = join(mkdtempSync(join(root, 'out-')), 'output')
    process.env.GITHUB_STEP_SUMMARY = join(root, `summary-${Date.now()}.md`)
    writeFileSync(process.env.GITHUB_OUTPUT, '')
    writeFileSync(process.env.GITHUB_STEP_SUMMARY, '')
    const get = (values: Record<string, string>) => (name: string) => values[name] ?? ''
    return {
      inputs: inputsModule.readInputs(get({ 'fail-on': 'none' })),
      action: inputsModule.readActionInputs(get({ mode })),
      context: {
        owner: 'octo',
        repo: 'service',
        eventName: run ? 'workflow_run' : 'pull_request',
        workflowRun:
          run !== null ? { id: run, headSha: HEAD, pullRequests: [7], event: 'pull_request' } : undefined,
        pullRequest: run ? undefined : { number: 7, baseSha: 'b'.repeat(40), headSha: HEAD },
        workspace: root,
        job: mode,
        runId: run ? '6000' : String(MEASURING_RUN),
        serverUrl: 'https://github.com',
        apiUrl: api.url,
      },
      token: 'ghs_commentTOKEN',
      commentId: `${mode}:.:.`,
    }
  }

  it("comment: downloads the triggering run's artifact (findBy), validates it and posts it, linking the artifact", async () => {
    const run = 7001
    asJobOf(run)
    const uploaded = await artifact.uploadRunArtifact({
      client: realClient,
      dir: runDir().dir,
      name: 'memleak-api',
      runPageUrl: RUN_PAGE,
      log: recorder().log,
    })
    expect(uploaded).toBeDefined()
    // The comment job: no runtime token of the measuring run, only github-token.
    delete process.env.ACTIONS_RUNTIME_TOKEN
    delete process.env.ACTIONS_RESULTS_URL
    const before = api.requests.length
    await fromReports.runFromReports(commentEnv('comment', run), realClient)
    const rest = api.requests.slice(before).map((r) => `${r.method} ${r.path}`)
    expect(rest).toContain(`GET /repos/octo/service/actions/runs/${run}/artifacts`)
    expect(rest).toContain(`GET /repos/octo/service/actions/artifacts/${uploaded!.id}/zip`)
    const comment = api.comments('octo', 'service', 7).at(-1)!
    expect(comment.body.startsWith('<!-- memleak-action:comment:.:. -->\n')).toBe(true)
    expect(comment.body).toContain('rememberResponse')
    expect(comment.body).toContain(
      `(https://github.com/octo/service/actions/runs/${run}/artifacts/${uploaded!.id})`,
    )
    // The temp directory with the download is gone.
    expect(readFileSync(process.env.GITHUB_OUTPUT!, 'utf8')).toContain('comment-url')
  })

  it("aggregate: a job after the matrix reads this run's artifacts (runtime token), one report each", async () => {
    const run = 7002
    asJobOf(run)
    for (const name of ['memleak-api', 'memleak-worker']) {
      const report = JSON.parse(REPORT) as { meta: Record<string, unknown> }
      report.meta.package = `./services/${name.slice(8)}`
      await artifact.uploadRunArtifact({
        client: realClient,
        dir: runDir(JSON.stringify(report)).dir,
        name,
        log: recorder().log,
      })
    }
    const env = commentEnv('aggregate', null)
    env.context.runId = String(run)
    const before = service.calls.length
    await fromReports.runFromReports(env, realClient)
    const twirp = service.calls.slice(before).map((c) => c.path.replace(/^.*\//, ''))
    expect(twirp).toContain('ListArtifacts')
    expect(twirp.filter((c) => c === 'GetSignedArtifactURL')).toHaveLength(2)
    const body = api.comments('octo', 'service', 7).find((c) => c.body.includes('aggregate:.:.'))!.body
    expect(body).toContain('services/api')
    expect(body).toContain('services/worker')
  })

  const hostile: [string, Buffer, RegExp][] = [
    [
      'an oversized report',
      makeZip([{ name: 'report.json', data: `{${' '.repeat(33 * 1024 * 1024)}}` }]),
      /^artifact memleak-evil \(\d+\) refused: "report.json" is 34603010 bytes, larger than any real report/,
    ],
    [
      'a zip bomb that lies about its size',
      makeZip([{ name: 'report.json', data: ' '.repeat(40 * 1024 * 1024), declaredSize: 100 }]),
      /^artifact memleak-evil \(\d+\) refused: report.json: inflates past 33554432 bytes$/,
    ],
    [
      'a symbolic link',
      makeZip([{ name: 'report.json', data: '/home/runner/.credentials', mode: 0o120777 }]),
      /^artifact memleak-evil \(\d+\) refused: "report.json" is a symbolic link$/,
    ],
    [
      'a name that climbs out',
      makeZip([{ name: 'x/../../report.json', data: REPORT }]),
      /^artifact memleak-evil \(\d+\) refused: "x\/..\/..\/report.json" is not a plain relative path$/,
    ],
    [
      'a report failing validation',
      makeZip([{ name: 'report.json', data: JSON.stringify({ schemaVersion: 1, meta: 'no' }) }]),
      /^report memleak-evil-\d+\/report.json rejected: .*not trusted\)$/,
    ],
    ['not a zip', Buffer.from('PK but not really'), /^artifact memleak-evil \(\d+\) refused: not a zip/],
  ]

  it.each(hostile)('refuses %s in one line, posting nothing', async (_, zip, message) => {
    const run = 7100 + hostile.findIndex((h) => h[1] === zip)
    service.seed(run, 'memleak-evil', zip)
    const comments = api.comments('octo', 'service', 7).length
    const error = await fromReports.runFromReports(commentEnv('comment', run), realClient).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error?.message).toMatch(message)
    expect(error?.message).not.toContain('\n')
    expect(api.comments('octo', 'service', 7)).toHaveLength(comments)
  })

  it('refuses an artifact whose content does not match its digest', async () => {
    service.seed(
      7150,
      'memleak-api',
      makeZip([{ name: 'report.json', data: REPORT }]),
      `sha256:${'0'.repeat(64)}`,
    )
    await expect(fromReports.runFromReports(commentEnv('comment', 7150), realClient)).rejects.toThrow(
      /^artifact memleak-api \(\d+\) refused: its content does not match its digest$/,
    )
  })

  it('posts the same report once when it was uploaded twice (ours and an upload-artifact step)', async () => {
    const ours = service.seed(
      7160,
      'memleak-memleak-cmd-api',
      makeZip([{ name: 'report.json', data: REPORT }]),
    )
    service.seed(7160, 'memleak-api', makeZip([{ name: 'memleak-abc/report.json', data: REPORT }]))
    // Mode comment posts one report: two different ones would be refused.
    await fromReports.runFromReports(commentEnv('comment', 7160), realClient)
    const sticky = api
      .comments('octo', 'service', 7)
      .filter((c) => c.body.startsWith('<!-- memleak-action:comment:.:.'))
    expect(sticky).toHaveLength(1)
    expect(sticky[0].body).toContain(
      `(https://github.com/octo/service/actions/runs/7160/artifacts/${ours.id})`,
    )
  })

  it('says what to do when the run has no artifact of ours, or there is no way to download', async () => {
    service.seed(7200, 'coverage', makeZip([{ name: 'lcov.info', data: 'TN:' }]))
    await expect(fromReports.runFromReports(commentEnv('comment', 7200), realClient)).rejects.toThrow(
      /^no memleak-\* artifact in run 7200 \(it has coverage\); the measuring step uploads one unless upload-artifact is false \(then give report-path\)$/,
    )
    // A job after the matrix, on a laptop: no runtime token, so no artifact service.
    await expect(fromReports.runFromReports(commentEnv('aggregate', null), realClient)).rejects.toThrow(
      /^report-path: not given, and no artifact to read: no artifact service here .*; give report-path/,
    )
  })
})
