// Bad flags and inputs, as a user types them: the CLI exits 2 with one line that
// names the input (no stack trace), the action fails its step with an
// ::error:: line that names it; in both, nothing is built or started.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { DIST_INDEX, processesMentioning, runAction } from '../support/run-action.js'
import { CLI, expectOneLine, runCli } from './cli.js'

const HEAP = fileURLToPath(new URL('../fixtures/profiles/heap.pb.gz', import.meta.url))

/** [flags, what the one line must say]; each names the input it is about. */
const CLI_CASES: [string[], RegExp][] = [
  [['run', '--duration', 'abc'], /^memleak: duration: expected a duration like 30s.*, got "abc"$/],
  [
    ['run', '--fail-on', 'leaks'],
    /^memleak: fail-on: expected any of leak, new-leak, regression, no-verdict, none.*got "leaks"$/,
  ],
  [['run', '--fail-on', 'none,leak'], /^memleak: fail-on: "none" cannot be combined/],
  [['run', '--bogus', '1'], /^memleak: run: unknown option --bogus \(memleak run --help lists them\)$/],
  [['run', '--port'], /^memleak: Option '--port <value>' argument missing/],
  [['run', '--port', '70000'], /^memleak: port: expected a whole number from 1 to 65535, got "70000"$/],
  [['run', '--requests', 'GET /a\nGET'], /^memleak: requests line 2: /],
  [['run', '--env', 'NOEQUALS'], /^memleak: env line 1: expected KEY=VALUE, got "NOEQUALS"$/],
  [
    ['run', '--env', 'RUNNER_TEMP=/x'],
    /^memleak: env line 1: RUNNER_TEMP is refused: names starting with GITHUB_/,
  ],
  [['run', '--requests', 'GET /a\rGET /b'], /^memleak: requests line 1: control character "\\r" in the line/],
  [
    ['run', '--rate', '0'],
    /^memleak: rate: expected requests per second above 0, like 200 or 200\/s, got "0"$/,
  ],
  [['run', '--headers', 'Authorization'], /^memleak: headers line 1: no "Name:" in "Authorization"/],
  [['run', '--pprof-url', 'http://example.com/debug/pprof'], /^memleak: pprof-url: expected a loopback host/],
  [['run', 'extra'], /^memleak: run: unexpected argument "extra"$/],
  [['diff', HEAP], /^memleak: diff: expected two profile files, memleak diff BASE HEAD$/],
  [['diff', HEAP, 'missing.pb.gz'], /^memleak: missing\.pb\.gz: cannot read the profile: no such file$/],
  [['diff', HEAP, tmpdir()], new RegExp(`^memleak: ${tmpdir()}: cannot read the profile: is a directory$`)],
  [['diff', '--limit', 'x', HEAP, HEAP], /^memleak: --limit: expected a whole number above 0, got "x"$/],
  [
    ['diff', '--max-profile-size', 'x', HEAP, HEAP],
    /^memleak: max-profile-size: expected a size like 256MiB or 1GiB, got "x"$/,
  ],
  [
    ['diff', '--max-profile-size', '1KiB', HEAP, HEAP],
    new RegExp(`^memleak: ${HEAP}: decompressed size exceeds 1 KiB$`),
  ],
]

describe.runIf(existsSync(CLI))('memleak with bad flags (node dist/cli.js)', () => {
  // An empty working directory: were anything to be built or written, it would show here.
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'memleak-badinput-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const [args, message] of CLI_CASES) {
    it.concurrent(`${JSON.stringify(args.join(' '))}: exit 2, one line`, async () => {
      const run = await runCli(args, { cwd: dir })
      expect(run.code, run.stderr).toBe(2)
      expect(expectOneLine(run.stderr)).toMatch(message)
      expect(run.stdout).toBe('')
    })
  }

  it('nothing was built or written: no output directory, no process', () => {
    expect(readdirSync(dir)).toEqual([])
    expect(processesMentioning(dir)).toEqual([])
  })
})

describe.runIf(existsSync(DIST_INDEX))('the action with a bad input (node dist/index.js)', () => {
  let api: GitHubApi
  let workspace: string
  beforeAll(async () => {
    api = await startGitHubApi()
    workspace = mkdtempSync(join(tmpdir(), 'memleak-badinput-ws-'))
    mkdirSync(join(workspace, 'cmd'))
  })
  afterAll(async () => {
    await api.close()
    rmSync(workspace, { recursive: true, force: true })
  })

  const ACTION_CASES: [Record<string, string>, RegExp][] = [
    [{ duration: 'abc' }, /^::error::duration: expected a duration like 30s, 2m or 1m30s, got "abc"$/m],
    [
      { 'fail-on': 'leaks' },
      /^::error::fail-on: expected any of leak, new-leak, regression, no-verdict, none.*"leaks"$/m,
    ],
    [{ requests: 'GET /ok\nbogus line' }, /^::error::requests line 2: /m],
    // A lone CR used to crash the parser ("Cannot read properties of null").
    [{ requests: 'GET /a\rGET /b' }, /^::error::requests line 1: control character "\\r" in the line/m],
    [
      { env: 'API_KEY=x-ghs_badinputTOKEN-y' },
      /^::error::env: the value of API_KEY holds the workflow's GitHub token or a runner token; /m,
    ],
    [{ headers: 'X-A: 1\nHost' }, /^::error::headers line 2: no "Name:" in "Host"/m],
  ]
  for (const [inputs, message] of ACTION_CASES) {
    it(`${JSON.stringify(inputs)}: failed step naming the input, nothing built or started`, async () => {
      const run = await runAction({
        workspace,
        apiUrl: api.url,
        pullRequest: { number: 7, baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40) },
        inputs: { package: './cmd/api', 'github-token': 'ghs_badinputTOKEN', ...inputs },
        timeoutMs: 20_000,
      })
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(message)
      expect(run.stdout.match(/^::error::/gm)).toHaveLength(1)
      expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m)
      // Nothing built (no run directory, no build group), nothing started, no API call.
      expect(readdirSync(run.runnerTemp).filter((f) => f.startsWith('memleak-'))).toEqual([])
      expect(run.stdout).not.toMatch(/::group::Build|go build|starting/)
      expect(processesMentioning(workspace)).toEqual([])
      expect(api.requests).toEqual([])
      rmSync(run.runnerTemp, { recursive: true, force: true })
    })
  }
})
