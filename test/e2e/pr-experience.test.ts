// The pull request experience beyond one job, as a runner runs it (node
// dist/index.js): the fork-safe pair (`analyze` on pull_request, `comment` on
// workflow_run), a matrix `aggregate`, check runs and delete-when-clean. All
// GitHub traffic goes over real HTTP to the local stand-in. Only the analyze
// case builds and loads Go; the others read the reports in test/fixtures/reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { makeFixtureRepo } from '../support/fixture-repo.js'
import {
  DIST_INDEX,
  freePort,
  processesMentioning,
  runAction,
  type ActionRun,
} from '../support/run-action.js'
import { SHORT_LOAD, TOKEN } from '../support/pr-run.js'

const FIXTURES = resolve(import.meta.dirname, '../fixtures/reports')
const SERVICES = ['api-leak', 'worker-regression', 'gateway-clean'] as const
type Service = (typeof SERVICES)[number]
/** As much of the report's shape as the tests edit. */
interface ReportJson {
  meta: Record<string, unknown>
  analysis: { findings: { site: Record<string, unknown> }[] }
  [key: string]: unknown
}
const fixture = (name: Service): ReportJson =>
  JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'))
/** The commit the fixtures measured (one head commit for the three services). */
const HEAD = fixture('api-leak').meta.headSha as string

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  )
}

describe.runIf(existsSync(DIST_INDEX))('pull request experience (node dist/index.js)', () => {
  let api: GitHubApi
  let root: string

  beforeAll(async () => {
    api = await startGitHubApi()
    root = mkdtempSync(join(tmpdir(), 'memleak-prx-'))
  })
  afterAll(async () => {
    await api.close()
    rmSync(root, { recursive: true, force: true })
  })

  /** A download-artifact style directory: one folder per artifact, each with its report.json. */
  function artifacts(reports: { name: Service; edit?: (r: ReportJson) => void; text?: string }[]): string {
    const dir = mkdtempSync(join(root, 'download-'))
    for (const { name, edit, text } of reports) {
      const report = fixture(name)
      edit?.(report)
      mkdirSync(join(dir, `memleak-${name}`))
      writeFileSync(join(dir, `memleak-${name}`, 'report.json'), text ?? JSON.stringify(report))
    }
    return dir
  }

  /** The comment workflow: a workflow_run event for the measuring run 555 of HEAD. */
  async function publishRun(
    inputs: Record<string, string>,
    workflowRun: Record<string, unknown> = {},
  ): Promise<ActionRun & { requests: typeof api.requests }> {
    const before = api.requests.length
    const eventPath = join(mkdtempSync(join(root, 'event-')), 'event.json')
    writeFileSync(
      eventPath,
      JSON.stringify({
        action: 'completed',
        repository: { full_name: 'octo/service' },
        workflow_run: {
          id: 555,
          event: 'pull_request',
          head_sha: HEAD,
          head_branch: 'feature',
          head_repository: { owner: { login: 'octo' } },
          pull_requests: [
            {
              number: 7,
              head: { sha: HEAD },
              base: { repo: { url: `${api.url}/repos/octo/service` } },
            },
          ],
          ...workflowRun,
        },
      }),
    )
    const run = await runAction({
      workspace: root,
      apiUrl: api.url,
      inputs: { 'github-token': TOKEN, ...inputs },
      env: { GITHUB_EVENT_NAME: 'workflow_run', GITHUB_EVENT_PATH: eventPath, GITHUB_JOB: 'comment' },
      timeoutMs: 30_000,
    })
    const printed = (run.stderr + run.stdout).replace(/^::add-mask::.*$/gm, '')
    expect(printed).not.toContain(TOKEN)
    return { ...run, requests: api.requests.slice(before) }
  }

  it('analyze: measures, writes report and artifact dir, fails per fail-on, never calls the API', async () => {
    const repo = makeFixtureRepo('healthy', 'mapcache')
    try {
      const before = api.requests.length
      const run = await runAction({
        workspace: repo.dir,
        apiUrl: api.url,
        pullRequest: { number: 21, baseSha: repo.baseSha, headSha: repo.headSha },
        inputs: {
          mode: 'analyze',
          package: './cmd/api',
          port: String(await freePort()),
          'check-name': 'memleak',
          ...SHORT_LOAD,
        },
      })
      expect(processesMentioning(repo.dir)).toEqual([])
      expect(api.requests.length - before).toBe(0)
      expect(run.code, run.stdout.slice(-2000)).toBe(1)
      expect(run.outputs).toMatchObject({ leak: 'true', 'new-leak': 'true' })
      const dir = run.outputs['artifact-dir']
      expect(run.outputs.report).toBe(join(dir, 'report.json'))
      const files = walk(dir).map((f) => relative(dir, f))
      expect(files).toEqual(
        expect.arrayContaining([
          'report.json',
          'base.pb.gz',
          'head.pb.gz',
          'head/S0.heap.pb.gz',
          'head/Sf.heap.pb.gz',
        ]),
      )
      expect(files.some((f) => f.startsWith('base/') && f.endsWith('.log'))).toBe(true)
      // The binaries are not worth an artifact.
      expect(files.filter((f) => f.endsWith('.bin'))).toEqual([])
      // The report is what the comment workflow will read: it names the commit and the PR.
      const report = JSON.parse(readFileSync(run.outputs.report, 'utf8'))
      expect(report.meta).toMatchObject({
        headSha: repo.headSha,
        pullRequest: 21,
        repository: 'octo/service',
      })
      expect(run.summary).toContain('### ❌ New heap leak')
      expect(run.summary).toContain('(https://github.example/octo/service/actions/runs/4242)')
      expect(run.stdout).toMatch(/^::error title=New heap leak.*,file=cmd\/api\/main\.go,line=\d+::/m)
      expect(run.stdout).not.toMatch(/::warning::.*(comment|check run)/i)
    } finally {
      repo.remove()
    }
  }, 90_000)

  it('comment: posts the report of the triggering run to the PR the event names', async () => {
    const run = await publishRun({ mode: 'comment', 'report-path': artifacts([{ name: 'api-leak' }]) })
    expect(run.code, run.stdout).toBe(1)
    expect(run.stdout).toMatch(
      /::error::new leak on head \(fail-on: new-leak\): heap-leak .*rememberResponse/,
    )
    const [comment] = api.comments('octo', 'service', 7)
    // This job's comment id, not the artifact's.
    expect(comment.body.startsWith('<!-- memleak-action:comment:.:. -->\n### ❌ New heap leak')).toBe(true)
    expect(comment.body).toContain('rememberResponse')
    // The artifacts are on the measuring run's page.
    expect(comment.body).toContain('(https://github.example/octo/service/actions/runs/555)')
    expect(run.outputs).toMatchObject({ leak: 'true', 'new-leak': 'true', regression: 'true' })
    expect(run.outputs['comment-url']).toMatch(/#issuecomment-\d+$/)
    expect(run.outputs['artifact-dir']).toBeUndefined()
    expect(run.summary).toContain('### ❌ New heap leak')
    // No lookup: the event named the PR (the review comments read the PR's own files and comments).
    expect(run.requests.filter((r) => r.path.endsWith('/pulls') || r.path.includes('/commits/'))).toEqual([])
  })

  it("comment: a fork's PR (empty pull_requests) is found by its head commit; fail-on is this job's", async () => {
    api.addPull({
      owner: 'octo',
      repo: 'service',
      number: 8,
      headSha: HEAD,
      headOwner: 'forker',
      headRef: 'patch',
    })
    const run = await publishRun(
      {
        mode: 'comment',
        'report-path': artifacts([{ name: 'api-leak', edit: (r) => (r.meta.pullRequest = 8) }]),
        'fail-on': 'none',
      },
      { pull_requests: [], head_branch: 'patch', head_repository: { owner: { login: 'forker' } } },
    )
    expect(run.code, run.stdout).toBe(0)
    expect(run.requests.map((r) => `${r.method} ${r.path}`)).toContain(
      `GET /repos/octo/service/commits/${HEAD}/pulls`,
    )
    const comments = api.comments('octo', 'service', 8)
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toContain('**Check passes** (fail-on: `none`)')
  })

  it.each([
    [
      'bad schemaVersion',
      { text: JSON.stringify({ ...fixture('api-leak'), schemaVersion: 3 }) },
      /::error::report memleak-api-leak\/report\.json rejected: report\.schemaVersion: expected 2 \(or 1\), got 3/,
    ],
    [
      'head SHA of another commit',
      { edit: (r: ReportJson) => (r.meta.headSha = 'b'.repeat(40)) },
      /::error::report memleak-api-leak\/report\.json rejected: it measured commit bbbbbbbbbbbb, but the run being commented on is [0-9a-f]{12}/,
    ],
    [
      'a script in the function name',
      {
        edit: (r: ReportJson) => (r.analysis.findings[0].site.function = { toString: 'alert(1)' }),
      },
      /::error::report .* rejected: report\.analysis\.findings\[0\]\.site\.function: expected a string/,
    ],
  ])(
    'comment: refuses a tampered report (%s) with a clear error and writes nothing',
    async (_, change, message) => {
      const run = await publishRun({
        mode: 'comment',
        'report-path': artifacts([{ name: 'api-leak', ...change }]),
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(message)
      expect(run.requests.filter((r) => r.method !== 'GET')).toEqual([])
      expect(run.summary).toBe('')
    },
  )

  it('aggregate: three services, one comment, a row each; a check run with annotations and the conclusion', async () => {
    const run = await publishRun({
      mode: 'aggregate',
      'report-path': artifacts(SERVICES.map((name) => ({ name }))),
      'comment-id': 'memleak-matrix',
      'check-name': 'memleak / services',
    })
    expect(run.code, run.stdout).toBe(1)
    expect(run.stdout).toMatch(
      /::error::services\/api: new leak on head.*; services\/worker: allocation regression/,
    )
    const ours = api
      .comments('octo', 'service', 7)
      .filter((c) => c.body.startsWith('<!-- memleak-action:memleak-matrix -->'))
    expect(ours).toHaveLength(1)
    const body = ours[0].body
    expect(body).toContain('### ❌ 2 of 3 services fail the memleak check')
    expect(body.split('\n').filter((l) => /^\| `services\/\w+` \|/.test(l))).toHaveLength(3)
    expect(body.match(/<details><summary>services\//g)).toHaveLength(3)
    expect(body.length).toBeLessThanOrEqual(65_536)

    const check = api.state.checkRuns.find((c) => c.name === 'memleak / services')!
    expect(check).toMatchObject({ head_sha: HEAD, status: 'completed', conclusion: 'failure' })
    expect(check.details_url).toBe('https://github.example/octo/service/actions/runs/555')
    const output = check.output as { title: string; summary: string; annotations: Record<string, unknown>[] }
    expect(output.title).toBe('❌ 2 of 3 services fail the memleak check')
    expect(output.summary).toContain('services/gateway')
    // pprof's module path mapped to the repository's file, on the leaking line.
    expect(output.annotations).toContainEqual(
      expect.objectContaining({ path: 'services/api/main.go', annotation_level: 'failure' }),
    )
    expect(run.outputs['check-run-url']).toMatch(/\/runs\/\d+$/)
  })

  it('check run: a token without checks: write warns; the comment and the verdict stand', async () => {
    const lift = api.forbid('POST', /\/check-runs$/)
    try {
      const run = await publishRun({
        mode: 'comment',
        'report-path': artifacts([{ name: 'worker-regression' }]),
        'comment-id': 'worker',
        'check-name': 'memleak',
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(
        /::warning::The token cannot create the check run "memleak" \(HTTP 403\).*checks: write/,
      )
      expect(run.stdout).toMatch(/::error::allocation regression/)
      expect(
        api.comments('octo', 'service', 7).some((c) => c.body.startsWith('<!-- memleak-action:worker -->')),
      ).toBe(true)
    } finally {
      lift()
    }
  })

  it('delete-comment-when-clean: a clean PR loses our comment, and only ours', async () => {
    const marker = '<!-- memleak-action:comment:.:. -->'
    api.addPull({ owner: 'octo', repo: 'service', number: 9, headSha: HEAD })
    const [lookalike] = api.seedComments('octo', 'service', 9, [
      { body: `${marker}\nnot ours`, login: 'mallory' },
      { body: `${marker}\nthe last report`, login: 'github-actions[bot]' },
    ])
    const run = await publishRun(
      {
        mode: 'comment',
        'report-path': artifacts([{ name: 'gateway-clean', edit: (r) => (r.meta.pullRequest = 9) }]),
        'delete-comment-when-clean': 'true',
        'comment-author': 'github-actions[bot]',
      },
      { pull_requests: [{ number: 9, head: { sha: HEAD } }] },
    )
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).toMatch(/Clean: deleted the comment/)
    expect(api.comments('octo', 'service', 9).map((c) => c.id)).toEqual([lookalike.id])
    expect(run.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH')).toEqual([])
  })
})
