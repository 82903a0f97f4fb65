// A run stopped part-way reports what it measured (#7 item 5): the timeout
// input falling during head's load, and a cancelled run (SIGINT). Base's numbers
// stay, a note says how far each side got, the headline is never green, the run
// fails with the stop's reason (CLI exit 3, failed step), and nothing survives
// (afterFault: no process under the repo or its temp dir, port free, no worktree).
//
// The deadline must land inside head's load whatever the machine's load: the
// build takes no time (build-command copies a binary built once here), so the
// schedule is timers only: base ~11.5 s (start, 1 s warmup, 8 s load, 2 s settle),
// then head's snapshots at ~13, 15, 17, 19, 21 s. A 17 s deadline falls around
// head's S2, with ~4 s of margin either way (these tests run side by side on a
// busy machine, which slows the steps between the timers).
import { spawn, execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Report } from '../../src/model/report.js'
import { CLI, runCli } from '../hardening/cli.js'
import { afterFault, faultRepo, lastLine, tail, type FaultRepo } from '../hardening/e2e.js'
import { FIXTURES_DIR } from '../support/fixture-repo.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { DIST_INDEX, processesMentioning, runAction } from '../support/run-action.js'

// The fixed schedule: each side's load runs its whole 8 s, so the stops land where these tests say.
const LOAD = [
  '--warmup',
  '1s',
  '--duration',
  '8s',
  '--snapshots',
  '4',
  '--stop-early',
  'false',
  '--requests',
  'GET /time',
]
const PARTIAL_HEAD =
  /^(timeout after 17s|interrupted by SIGINT): head measured for \d s of 8 s; results are partial$/

let binDir: string
let buildCommand: string

/** A run's own temp dir (binaries, base worktree), watched by afterFault for survivors. */
function runTemp(repo: FaultRepo): string {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-deadline-'))
  repo.watch.push(dir)
  return dir
}

function cliArgs(repo: FaultRepo): string[] {
  return [
    'run',
    '--base-ref',
    repo.baseSha,
    '--package',
    './cmd/api',
    '--port',
    String(repo.port),
    '--build-command',
    buildCommand,
    '--trace',
    '0s',
    ...LOAD,
  ]
}

const reportOf = (path: string): Report => JSON.parse(readFileSync(path, 'utf8')) as Report

/** What every partial report here must show: base whole, head partial, said so, no verdict. */
function expectPartial(r: Report, stop: string): void {
  expect(r.analysis.notes[0]).toMatch(PARTIAL_HEAD)
  expect(r.analysis.untrustworthy?.[0]).toBe(r.analysis.notes[0])
  expect(r.failures[0]).toBe(stop)
  expect(r.analysis.base?.requests).toBeGreaterThan(1000)
  expect(r.analysis.head.requests).toBeGreaterThan(0)
  expect(r.analysis.verdict.regression).toBe(false)
}

/** Pids of processes mentioning `needle` whose working directory is `cwd` (Linux: /proc). */
function pidsIn(cwd: string, needle: string): number[] {
  return processesMentioning(needle)
    .map((line) => Number(line.split(/\s+/)[0]))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === cwd
      } catch {
        return false
      }
    })
}

/** Pids of head's service on this port: it runs in the sandbox's copy of the tree, so found by its PORT. */
function servicePids(port: number): number[] {
  return processesMentioning('head.bin')
    .map((line) => Number(line.split(/\s+/)[0]))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PORT=${port}`)
      } catch {
        return false
      }
    })
}

async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const end = performance.now() + ms
  for (;;) {
    const found = probe()
    if (found !== undefined) return found
    if (performance.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

function titleOf(markdown: string): string | undefined {
  return markdown.split('\n').find((l) => l.startsWith('### '))
}

describe.runIf(existsSync(CLI) && existsSync(DIST_INDEX))(
  'a run stopped part-way',
  { timeout: 60_000 },
  () => {
    let api: GitHubApi
    beforeAll(async () => {
      api = await startGitHubApi()
      binDir = mkdtempSync(join(tmpdir(), 'memleak-prebuilt-'))
      // build-command runs as the sandbox user: it must be able to read the prebuilt binary.
      chmodSync(binDir, 0o755)
      execFileSync('go', ['build', '-o', join(binDir, 'healthy.bin'), './healthy'], { cwd: FIXTURES_DIR })
      buildCommand = `cp ${join(binDir, 'healthy.bin')} "$MEMLEAK_BINARY"`
    }, 120_000)
    afterAll(() => {
      api.close()
      rmSync(binDir, { recursive: true, force: true })
    })
    afterEach((ctx) => afterFault(ctx.task.id))

    describe.concurrent('side by side', () => {
      it('the CLI, deadline during head: partial report with base kept, no green headline, exit 3', async (ctx) => {
        const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
        const run = await runCli([...cliArgs(repo), '--timeout', '17s'], {
          cwd: repo.dir,
          timeoutMs: 45_000,
          env: { ...process.env, TMPDIR: runTemp(repo) },
        })
        expect(run.code, tail(run.stderr)).toBe(3)
        expect(lastLine(run.stderr)).toBe('memleak: timeout: the run took longer than 17s')
        expect(run.stderr).toMatch(/^base: load done: /m)
        expect(run.stderr).toMatch(/^head S0\//m)
        expect(run.stderr).not.toMatch(/^\s+at /m)
        const r = reportOf(join(repo.dir, '.memleak/report.json'))
        expectPartial(r, 'timeout: the run took longer than 17s')
        expect(r.analysis.notes[0]).toMatch(/^timeout after 17s: /)
        // A clean checkout's head is its commit (the working tree is named only when it has changes).
        expect(r.meta.headSha).toBe(repo.headSha)
        // The report went to stdout too, headed by the cut, not by a verdict.
        expect(titleOf(run.stdout)).toBe(
          '### ⚠️ No verdict: the run was cut short (timeout after 17s; see the notes)',
        )
        expect(run.stdout).toContain('results are partial')
        // Head's snapshots are kept for go tool pprof.
        expect(existsSync(join(repo.dir, '.memleak/head/S0.heap.pb.gz'))).toBe(true)
        expect(existsSync(join(repo.dir, '.memleak/head.pb.gz'))).toBe(true)
      })

      it('the action, deadline during head: partial job summary and outputs, failed step', async (ctx) => {
        const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
        const run = await runAction({
          workspace: repo.dir,
          apiUrl: api.url,
          pullRequest: { number: 71, baseSha: repo.baseSha, headSha: repo.headSha },
          inputs: {
            package: './cmd/api',
            port: String(repo.port),
            'build-command': buildCommand,
            'github-token': 'ghs_deadlineTOKEN',
            requests: 'GET /time',
            warmup: '1s',
            duration: '8s',
            snapshots: '4',
            trace: '0s',
            comment: 'false',
            timeout: '17s',
          },
          timeoutMs: 45_000,
        })
        repo.watch.push(run.runnerTemp)
        expect(run.code, tail(run.stdout)).toBe(1)
        const errors = run.stdout.match(/^::error::.*$/gm) ?? []
        expect(errors).toEqual(['::error::timeout: the run took longer than 17s'])
        expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m)
        expect(titleOf(run.summary)).toBe(
          '### ⚠️ No verdict: the run was cut short (timeout after 17s; see the notes)',
        )
        expect(run.summary).toMatch(/timeout after 17s: head measured for \d s of 8 s; results are partial/)
        expect(run.outputs.leak).toBe('false')
        expectPartial(reportOf(run.outputs.report!), 'timeout: the run took longer than 17s')
      })

      // The runner cancels a job with SIGINT: the action stops as the CLI does and publishes what it has.
      it.runIf(process.platform === 'linux')(
        'SIGINT to the action during head: partial job summary, failed step',
        async (ctx) => {
          const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
          const running = runAction({
            workspace: repo.dir,
            apiUrl: api.url,
            pullRequest: { number: 72, baseSha: repo.baseSha, headSha: repo.headSha },
            inputs: {
              package: './cmd/api',
              port: String(repo.port),
              'build-command': buildCommand,
              'github-token': 'ghs_deadlineTOKEN',
              requests: 'GET /time',
              warmup: '1s',
              duration: '8s',
              snapshots: '4',
              trace: '0s',
              comment: 'false',
            },
            timeoutMs: 45_000,
          })
          // Once head's service is up, S0 follows after the 1 s warmup and S1 2 s later.
          await until('head service started', 40_000, () => servicePids(repo.port)[0])
          await new Promise((resolve) => setTimeout(resolve, 3500))
          const [action] = pidsIn(repo.dir, DIST_INDEX)
          expect(action).toBeDefined()
          const sent = performance.now()
          process.kill(action!, 'SIGINT')
          const run = await running
          const took = performance.now() - sent
          repo.watch.push(run.runnerTemp)
          expect(run.code, tail(run.stdout)).toBe(1)
          expect(took).toBeLessThan(5000)
          expect(run.stdout.match(/^::error::.*$/gm)).toEqual(['::error::interrupted'])
          expect(titleOf(run.summary)).toBe(
            '### ⚠️ No verdict: the run was cut short (interrupted by SIGINT; see the notes)',
          )
          expectPartial(reportOf(run.outputs.report!), 'interrupted')
        },
      )

      it('SIGINT to the CLI during head: partial report, prompt exit 3', async (ctx) => {
        const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
        const child = spawn(process.execPath, [CLI, ...cliArgs(repo), '--timeout', '5m'], {
          cwd: repo.dir,
          env: { ...process.env, TMPDIR: runTemp(repo) },
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let stdout = ''
        let stderr = ''
        child.stdout!.on('data', (d: Buffer) => (stdout += d))
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL')
            reject(new Error(`no head S1 within 40 s:\n${stderr}`))
          }, 40_000)
          child.stderr!.on('data', (d: Buffer) => {
            stderr += d
            if (/^head S1\//m.test(stderr)) {
              clearTimeout(timer)
              resolve()
            }
          })
        })
        const sent = performance.now()
        child.kill('SIGINT')
        const code = await exited
        const took = performance.now() - sent
        expect(code, tail(stderr)).toBe(3)
        expect(lastLine(stderr)).toBe('memleak: interrupted')
        // Well inside the 7.5 s a runner allows between SIGINT and SIGTERM.
        expect(took).toBeLessThan(5000)
        const r = reportOf(join(repo.dir, '.memleak/report.json'))
        expectPartial(r, 'interrupted')
        expect(r.analysis.notes[0]).toMatch(/^interrupted by SIGINT: head measured for [2-4] s of 8 s/)
        expect(titleOf(stdout)).toBe(
          '### ⚠️ No verdict: the run was cut short (interrupted by SIGINT; see the notes)',
        )
      })
    })
  },
)
