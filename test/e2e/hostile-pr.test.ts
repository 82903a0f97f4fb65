// Hostile pull requests, run through `node dist/index.js` as a runner runs it
// (as root here, as in CI): a service and a build-command that read every
// /proc/*/environ, write the runner's files, fork escapees that leave their
// session, print workflow commands and serve a 10-million-sample profile. Each
// attack must fail, while a normal PR's verdict is what it always was.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Report } from '../../src/model/report.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture-repo.js'
import {
  DIST_INDEX,
  freePort,
  processesMentioning,
  runAction,
  type ActionRun,
} from '../support/run-action.js'
import { canListen } from '../hardening/e2e.js'
import { prRun, TOKEN } from '../support/pr-run.js'

const SECRETS = {
  GITHUB_TOKEN: 'ghs_hostileGITHUBtoken1',
  ACTIONS_RUNTIME_TOKEN: 'hostile-runtime-VALUE-2',
  DEPLOY_KEY: 'hostile-deploy-key-VALUE-3',
}
const INPUT_TOKEN = 'ghs_hostileINPUTtoken4'
const VALUES = [...Object.values(SECRETS), INPUT_TOKEN]
const LOAD = { requests: 'GET /time', warmup: '1s', duration: '3s', snapshots: '3', connections: '4' }
/**
 * Commands the hostile code prints; none may start a line of stdout outside a
 * stop-commands block (inside our own `::error::` line the text is the command's data).
 */
const HOSTILE_LINE =
  /^(::set-output|::add-mask::hostile|::error file=(main\.go|x)|##\[set-output|::stop-commands::hostile|::set-env)/

const rootOnly = process.getuid?.() === 0 && process.platform === 'linux'

interface Hostile {
  repo: FixtureRepo
  run: ActionRun
  /** Where the hostile code writes what it found (world-writable). */
  out: string
  files: { output: string; summary: string; env: string }
  mark: string
  port: number
  report?: Report
}

/** Lines that start a workflow command outside every stop-commands block. */
export function commandsOutsideBlocks(stdout: string): string[] {
  const outside: string[] = []
  let end: string | undefined
  for (const line of stdout.split('\n')) {
    if (end !== undefined) {
      if (line === end) end = undefined
      continue
    }
    const open = /^::stop-commands::(.+)$/.exec(line)
    if (open) end = `::${open[1]}::`
    else if (/^(::|##\[)/.test(line)) outside.push(line)
  }
  return outside
}

async function hostileRun(
  api: GitHubApi,
  number: number,
  opts: {
    head?: string
    mode?: string
    buildCommand?: (h: { out: string; targets: string[]; mark: string }) => string
    inputs?: Record<string, string>
    wrapper?: string[]
    eventName?: string
  } = {},
): Promise<Hostile> {
  const repo = makeFixtureRepo('healthy', opts.head ?? 'hostile')
  const runnerTemp = mkdtempSync(join(tmpdir(), 'memleak-runner-'))
  const out = mkdtempSync(join(tmpdir(), 'memleak-hostile-'))
  chmodSync(out, 0o777)
  const files = {
    output: join(runnerTemp, 'output.txt'),
    summary: join(runnerTemp, 'summary.md'),
    env: join(runnerTemp, 'env.txt'),
  }
  writeFileSync(files.env, '')
  const mark = `hostile-mark-${number}-${process.pid}`
  const targets = Object.values(files)
  const port = await freePort()
  const env = [
    `HOSTILE_OUT=${out}`,
    `HOSTILE_TARGETS=${targets.join(':')}`,
    `HOSTILE_ONLY=${runnerTemp}`,
    ...(opts.mode ? [`HOSTILE_MODE=${opts.mode}`] : []),
  ].join('\n')
  const run = await runAction({
    workspace: repo.dir,
    apiUrl: api.url,
    pullRequest: { number, baseSha: repo.baseSha, headSha: repo.headSha },
    runnerTemp,
    eventName: opts.eventName,
    wrapper: opts.wrapper,
    inputs: {
      package: './cmd/api',
      port: String(port),
      'github-token': INPUT_TOKEN,
      env,
      ...LOAD,
      ...(opts.buildCommand ? { 'build-command': opts.buildCommand({ out, targets, mark }) } : {}),
      ...opts.inputs,
    },
    env: { ...SECRETS, GITHUB_ENV: files.env },
    timeoutMs: 400_000,
  })
  const h: Hostile = { repo, run, out, files, mark, port }
  if (run.outputs.report && existsSync(run.outputs.report)) {
    h.report = JSON.parse(readFileSync(run.outputs.report, 'utf8')) as Report
  }
  return h
}

/** What every hostile run must leave: nothing alive, the port free, the runner's files untouched. */
async function expectContained(h: Hostile): Promise<void> {
  for (const needle of [h.mark, h.repo.dir, h.run.runnerTemp, 'memleak-sandbox-']) {
    expect(processesMentioning(needle), needle).toEqual([])
  }
  const escapee = join(h.out, 'escapee')
  if (existsSync(escapee)) {
    const pid = Number(readFileSync(escapee, 'utf8'))
    expect(
      /^\d+ \(.*\) [^Z]/.test(
        existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '',
      ),
      `escapee ${pid} is alive`,
    ).toBe(false)
  }
  expect(await canListen(h.port), `port ${h.port} still taken`).toBe(true)
  for (const [name, path] of Object.entries(h.files)) {
    expect(readFileSync(path, 'utf8'), name).not.toMatch(/INJECTED/)
  }
  expect(commandsOutsideBlocks(h.run.stdout).filter((l) => HOSTILE_LINE.test(l))).toEqual([])
  const printed = (h.run.stdout + h.run.stderr).replace(/^::add-mask::.*$/gm, '')
  for (const value of VALUES) expect(printed).not.toContain(value)
}

function cleanup(h: Hostile | undefined): void {
  if (!h) return
  h.repo.remove()
  rmSync(h.out, { recursive: true, force: true })
  rmSync(h.run.runnerTemp, { recursive: true, force: true })
}

describe.runIf(existsSync(DIST_INDEX) && rootOnly)('hostile pull requests (sandboxed, as root)', () => {
  let api: GitHubApi
  const runs: (Hostile | undefined)[] = []

  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(async () => {
    await api.close()
    for (const h of runs) cleanup(h)
  })

  describe('a service and a build-command that attack, in a PR that is otherwise healthy', () => {
    let h: Hostile
    beforeAll(async () => {
      h = await hostileRun(api, 301, {
        buildCommand: ({ out, targets, mark }) =>
          [
            `cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' > ${out}/build-environ-$MEMLEAK_SIDE`,
            ...targets.map((t) => `echo INJECTED-BY-BUILD=1 >> ${t} 2>/dev/null`),
            `setsid sh -c 'while :; do echo INJECTED-BY-BUILD >> ${targets[0]} 2>/dev/null; sleep 0.2; done' ${mark} >/dev/null 2>&1 &`,
            // Keeps the build's stdout open: waiting for it to close would hang the build.
            `sh -c 'sleep 3600' ${mark}-nohup &`,
            'echo "::set-output name=leak::false"',
            'go build -trimpath -o "$MEMLEAK_BINARY" ./cmd/api',
          ].join('\n'),
      })
      runs.push(h)
    }, 420_000)

    it('runs to the normal verdict: healthy against healthy-serving code is clean', () => {
      expect(h.run.code, h.run.stdout.slice(-3000)).toBe(0)
      expect(h.report?.analysis.verdict).toMatchObject({ leak: false, newLeak: false })
      expect(h.run.stdout).toMatch(/sandbox: the pull request's code runs as memleak-sandbox/)
    })

    it('the service and the build read /proc/*/environ and found no token', () => {
      const dumps = ['service-environ', 'build-environ-base', 'build-environ-head'].map((f) => join(h.out, f))
      for (const dump of dumps) {
        expect(existsSync(dump), dump).toBe(true)
        const text = readFileSync(dump, 'utf8')
        // It did read something (its own environment at least): the attack ran.
        expect(text, dump).toMatch(/PATH=/)
        for (const value of VALUES) expect(text, `${dump} holds a secret`).not.toContain(value)
      }
    })

    it('could not write GITHUB_ENV, GITHUB_OUTPUT or the job summary; nothing outlived the step', async () => {
      await expectContained(h)
      expect(h.run.outputs.leak).toBe('false')
    })

    it('the build ran as the sandbox user, in a copy without .git', () => {
      const log = readFileSync(join(h.out, 'build-environ-head'), 'utf8')
      expect(log).toMatch(/^HOME=\/tmp\/memleak-sandbox-[^/]+\/home$/m)
      expect(log).toMatch(/^USER=memleak-sandbox$/m)
    })
  })

  it('a service that prints workflow commands and exits before ready: its echoed log is inert', async () => {
    const h = await hostileRun(api, 302, { mode: 'exit' })
    runs.push(h)
    expect(h.run.code).toBe(1)
    // The log tail was echoed (so the test means something), inside a block.
    expect(h.run.stdout).toContain('pwned by the service')
    expect(h.run.stdout).toMatch(/^::stop-commands::[0-9a-f]{32}$/m)
    await expectContained(h)
  }, 300_000)

  it("a build-command that prints workflow commands and fails: the build's output is inert", async () => {
    const h = await hostileRun(api, 303, {
      buildCommand: () =>
        ['echo "::set-output name=leak::false"', 'echo "::error file=x::pwned by the build"', 'exit 1'].join(
          '\n',
        ),
    })
    runs.push(h)
    expect(h.run.code).toBe(1)
    expect(h.run.stdout).toContain('pwned by the build')
    await expectContained(h)
  }, 300_000)

  it('a 10-million-sample heap profile fails in one line naming side, snapshot and budget, in bounded memory', async () => {
    const h = await hostileRun(api, 304, {
      mode: 'bigprofile',
      wrapper: ['/usr/bin/time', '-f', 'MEASURED %M %e'],
    })
    runs.push(h)
    expect(h.run.code).toBe(1)
    const error = h.run.stdout.split('\n').filter((l) => l.startsWith('::error::'))
    expect(error).toHaveLength(1)
    expect(error[0]).toMatch(
      /head snapshot S0 heap profile: over budget: more than 500,000 samples in one profile/,
    )
    const [, kib, seconds] = /MEASURED (\d+) ([\d.]+)/.exec(h.run.stderr) ?? []
    console.info(`10M-sample profile: action max RSS ${Math.round(Number(kib) / 1024)} MiB, ${seconds} s`)
    // Before the budget: 4.9 GB and 94 s. Generous bounds; the point is "not gigabytes".
    expect(Number(kib) / 1024, 'max RSS in MiB').toBeLessThan(1024)
    expect(Number(seconds)).toBeLessThan(180)
    await expectContained(h)
  }, 300_000)

  it('a service that leaks to the memory limit is killed there and reported as a leak, not a crash of the runner', async () => {
    const h = await hostileRun(api, 305, { mode: 'balloon', inputs: { 'memory-limit': '200MiB' } })
    runs.push(h)
    expect(h.run.code, h.run.stdout.slice(-3000)).toBe(1)
    expect(h.report?.analysis.verdict).toMatchObject({ leak: true, newLeak: true })
    const crash = h.report!.analysis.findings.find((f) => f.kind === 'crash')
    expect(crash?.summary).toMatch(
      /killed at 200 MiB \(the memory-limit input\) after [\d,]+ measured requests/,
    )
    await expectContained(h)
  }, 300_000)

  it('pull_request_target is refused in one line before anything is built', async () => {
    const h = await hostileRun(api, 306, { eventName: 'pull_request_target' })
    runs.push(h)
    expect(h.run.code).toBe(1)
    const errors = h.run.stdout.split('\n').filter((l) => l.startsWith('::error::'))
    expect(errors).toEqual([
      expect.stringMatching(/^::error::pull_request_target: refusing to build and run code here/),
    ])
    expect(h.run.stdout).not.toMatch(/Build|sandbox:/)
    expect(existsSync(join(h.out, 'service-environ'))).toBe(false)
  }, 60_000)

  it("a normal PR's verdict is unchanged in the sandbox: a planted leak is still found", async () => {
    const run = await prRun(api, 'healthy', 'mapcache', 307, { ...LOAD, duration: '4s', snapshots: '4' })
    expect(run.stdout).toMatch(/sandbox: the pull request's code runs as memleak-sandbox/)
    expect(run.report.analysis.verdict.newLeak).toBe(true)
    // prRun has checked that no process survived and the token was printed nowhere but its mask.
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`)
    expect(processesMentioning('memleak-sandbox-')).toEqual([])
  }, 300_000)
})
