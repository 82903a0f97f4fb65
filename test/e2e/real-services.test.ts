// Real services through the bundled action: routes behind auth, a request file,
// a leak only varying requests reach, a service with its own rate limiter, a
// database password and an address taken from a flag (the realservice fixture).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { FIXTURES_DIR, type SideSpec } from '../support/fixture-repo.js'
import { prRun } from '../support/pr-run.js'
import { DIST_INDEX } from '../support/run-action.js'

const SERVICE = 'realservice'
const CACHING: SideSpec = {
  fixture: SERVICE,
  rewrite: (main) => main.replace('const cacheUsers = false', 'const cacheUsers = true'),
}
const LOAD = { warmup: '1s', duration: '3s', snapshots: '3', connections: '8' }
const DB_PASSWORD = 'hunter2-e2e-db-pass'

/** Status counts of both sides' measured load, from the report's notes-free numbers. */
function errorsOf(run: Awaited<ReturnType<typeof prRun>>): number[] {
  const { base, head } = run.report.analysis
  return [base?.errors ?? -1, head.errors]
}

describe.runIf(existsSync(DIST_INDEX))('real services (node dist/index.js, realservice)', () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(() => api.close())

  it('a route that answers 401 without Authorization is loaded with the headers input; setup-command runs before each side', async () => {
    const marks = join(mkdtempSync(join(tmpdir(), 'memleak-setup-')), 'setup.txt')
    const run = await prRun(api, SERVICE, SERVICE, 130, {
      ...LOAD,
      requests: 'GET /me',
      headers: 'Authorization: Bearer let-me-in\nX-Tenant: t-{{$randomInt 1 9}}',
      // The workflow's own command: it sees the step's environment (here the runner's temp dir).
      'setup-command': `echo "reset for $MEMLEAK_SIDE on port $PORT" >> '${marks}'; echo setup-output-line`,
    })
    expect(readFileSync(marks, 'utf8')).toMatch(/^reset for base on port \d+\nreset for head on port \d+\n$/)
    expect(run.stdout).toContain('setup-output-line')
    rmSync(dirname(marks), { recursive: true, force: true })
    expect(run.code, run.stdout.slice(-2000)).toBe(0)
    expect(run.report.analysis.head.requests).toBeGreaterThan(100)
    expect(errorsOf(run)).toEqual([0, 0])
    expect(run.report.failures).toEqual([])
    // The token is the workflow's: masked like a secret.
    expect(run.stdout).toContain('::add-mask::Bearer let-me-in')
    expect(run.stdout).toContain('::add-mask::let-me-in')
    // "Reproduce locally" names the headers and asks for their values; the report keeps no value.
    expect(run.report.meta.headerNames).toEqual(['Authorization', 'X-Tenant'])
    expect(run.comment).toContain('# the load also sent Authorization, X-Tenant: add --headers')
    expect(readFileSync(run.outputs.report, 'utf8')).not.toContain('let-me-in')
    expect(run.comment).not.toContain('let-me-in')
  }, 180_000)

  it('without the header the same load is all 401s: no verdict, and the step fails saying so', async () => {
    const run = await prRun(api, SERVICE, SERVICE, 131, { ...LOAD, requests: 'GET /me' })
    expect(run.code).toBe(1)
    expect(run.report.failures).toHaveLength(1)
    expect(run.report.failures[0]).toMatch(
      /^no verdict \(fail-on: no-verdict\): base: 100\.0% of requests failed \(HTTP 401/,
    )
    expect(run.stdout).toMatch(/^::error::no verdict \(fail-on: no-verdict\)/m)
  }, 180_000)

  it("a requests-file is read from base's tree: head's edited copy does not change the load", async () => {
    const file = readFileSync(join(FIXTURES_DIR, SERVICE, 'api.http'), 'utf8')
    const run = await prRun(
      api,
      { fixture: SERVICE, files: { 'load/api.http': file } },
      // The PR points the file at a route that answers nothing useful: base's file must win.
      { fixture: SERVICE, files: { 'load/api.http': file.replace('let-me-in', 'wrong-token') } },
      132,
      { ...LOAD, 'requests-file': 'load/api.http', requests: '' },
    )
    expect(run.code, run.stdout.slice(-2000)).toBe(0)
    expect(errorsOf(run)).toEqual([0, 0])
    expect(run.report.analysis.head.requests).toBeGreaterThan(100)
    expect(run.report.meta.requests).toEqual(['GET /me'])
    // Reproduced from the file itself, which carries its headers and their values.
    expect(run.report.meta.headerNames).toBeUndefined()
    expect(run.comment).toContain('--requests-file load/api.http')
    expect(run.comment).not.toContain('let-me-in')
    expect(run.report.analysis.notes.join('\n')).toContain('The load is load/api.http as base has it')
    expect(run.stdout).toContain('The load is load/api.http as base has it (1 request)')
  }, 180_000)

  it('a leak keyed by user ID is found only when the request varies the ID', async () => {
    const same = await prRun(api, SERVICE, CACHING, 133, { ...LOAD, requests: 'GET /users/42' })
    expect(same.code, same.stdout.slice(-2000)).toBe(0)
    expect(same.report.analysis.verdict.newLeak).toBe(false)

    const varied = await prRun(api, SERVICE, CACHING, 134, { ...LOAD, requests: 'GET /users/{{$seq}}' })
    expect(varied.code).toBe(1)
    expect(varied.report.analysis.verdict.newLeak).toBe(true)
    const leak = varied.report.analysis.findings.find((f) => f.kind === 'heap-leak')
    expect(leak, JSON.stringify(varied.report.analysis.notes)).toBeDefined()
    expect(leak!.site.ownFrame?.function ?? leak!.site.function).toContain('profileOf')
  }, 300_000)

  it("rate holds the service's own limiter at 0% 429s; at full speed the throttled run fails with no-verdict", async () => {
    const capped = await prRun(api, SERVICE, SERVICE, 135, {
      ...LOAD,
      requests: 'GET /limited',
      env: 'LIMIT_RPS=300',
      rate: '200',
    })
    expect(capped.code, capped.stdout.slice(-2000)).toBe(0)
    expect(errorsOf(capped)).toEqual([0, 0])
    // 200/s over 3 s, give or take the scheduling of a shared machine.
    expect(capped.report.analysis.head.requests).toBeGreaterThan(400)
    expect(capped.report.analysis.head.requests).toBeLessThan(700)

    const throttled = await prRun(api, SERVICE, SERVICE, 136, {
      ...LOAD,
      requests: 'GET /limited',
      env: 'LIMIT_RPS=300',
    })
    expect(throttled.code).toBe(1)
    expect(throttled.report.failures[0]).toMatch(
      /^no verdict \(fail-on: no-verdict\): base: [\d.]+% of requests failed \(HTTP 429/,
    )
    expect(throttled.comment).toContain('No verdict')
  }, 300_000)

  it('env passes DB_PASSWORD and masks it; ${PORT} in args gives the service its address', async () => {
    const run = await prRun(api, SERVICE, SERVICE, 137, {
      ...LOAD,
      requests: 'GET /time',
      args: '-need-db -listen 127.0.0.1:${PORT}',
      env: `DB_PASSWORD=${DB_PASSWORD}\nPORT=\${PORT}`,
    })
    expect(run.code, run.stdout.slice(-2000)).toBe(0)
    expect(errorsOf(run)).toEqual([0, 0])
    expect(run.stdout).toContain(`::add-mask::${DB_PASSWORD}`)
    const printed = (run.stdout + run.stderr).replace(/^::add-mask::.*$/gm, '')
    expect(printed).not.toContain(DB_PASSWORD)
    // -need-db: the service refuses to start unless DB_PASSWORD is the database's, so it got it.
  }, 300_000)
})
