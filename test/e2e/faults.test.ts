// Service faults end to end: base is the healthy fixture, head misbehaves on
// purpose. Each run must end with a clear message (its words asserted), keep
// the other side's measurement where it can, leave no process running and the
// port free (checked after every test by afterFault). The CLI runs most of them
// (exit codes, faster); the action runs the broken profile.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Report } from '../../src/model/report.js'
import { CLI } from '../hardening/cli.js'
import {
  afterFault,
  faultRepo,
  lastLine,
  runFault,
  SHORT,
  tail,
  useBrokenService,
  type FaultRepo,
} from '../hardening/e2e.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { DIST_INDEX, processesMentioning, runAction } from '../support/run-action.js'

/** Headlines of runs whose head stopped answering, for the check still open (below). */
const stalls = new Map<string, string>()

const report = (repo: FaultRepo): Report =>
  JSON.parse(readFileSync(join(repo.dir, '.memleak/report.json'), 'utf8')) as Report

describe.runIf(existsSync(CLI) && existsSync(DIST_INDEX))('service faults', { timeout: 120_000 }, () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(() => api.close())
  afterEach((ctx) => afterFault(ctx.task.id))

  // None of these depends on a measurement's timing: they run side by side (the CLI, and the
  // action for a broken profile).
  describe.concurrent('side by side: one clear message, nothing left', () => {
    it('build fails: the compiler error, file and line, nothing started', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      writeFileSync(join(repo.dir, 'cmd/api/broken.go'), 'package main\n\nfunc broken( {\n')
      const run = await runFault(repo, SHORT)
      expect(run.code, tail(run.stderr)).toBe(3)
      const line = lastLine(run.stderr)
      expect(line).toMatch(/^memleak: build of head failed \(go build .* \.\/cmd\/api in .*, exit 1\): /)
      expect(line).toMatch(/cmd\/api\/broken\.go:3:\d+: syntax error/)
      expect(run.stderr).not.toMatch(/^\s+at /m)
      // Both sides are built before anything runs: no service was started.
      expect(run.stderr).not.toMatch(/starting .*\.bin/)
      expect(existsSync(join(repo.dir, '.memleak/base/base-service.log'))).toBe(false)
    })

    it('binary exits at once: its exit status and its last log line', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'exitnow')
      const run = await runFault(repo, SHORT)
      expect(run.code, tail(run.stderr)).toBe(3)
      const line = lastLine(run.stderr)
      expect(line).toMatch(/^memleak: head: service exited with code 3 before it was ready; last log lines: /)
      expect(line).toContain('exitnow: fatal: cannot load configuration')
      // Base was measured before head failed, and is kept on disk.
      expect(run.stderr).toMatch(/base: load done: [\d,]+ requests/)
      expect(existsSync(join(repo.dir, '.memleak/base/S0.heap.pb.gz'))).toBe(true)
    })

    it('never ready: the timeout, the last attempt and the log', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'neverready')
      const run = await runFault(repo, [...SHORT, '--ready-timeout', '3s'])
      expect(run.code, tail(run.stderr)).toBe(3)
      const line = lastLine(run.stderr)
      expect(line).toMatch(
        new RegExp(
          `^memleak: head: service did not answer 2xx at http://127\\.0\\.0\\.1:${repo.port}/debug/pprof/ within 3 s \\(last attempt: ECONNREFUSED\\)`,
        ),
      )
      expect(line).toContain('will never listen')
      // Base, measured before head failed, is kept on disk.
      expect(existsSync(join(repo.dir, '.memleak/base/S0.heap.pb.gz'))).toBe(true)
    })

    it('pprof not mounted: how to import net/http/pprof and mount it in Gin', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'nopprof')
      const run = await runFault(repo, SHORT)
      expect(run.code, tail(run.stderr)).toBe(3)
      const line = lastLine(run.stderr)
      expect(line).toMatch(/^memleak: head: pprof is not served at /)
      expect(line).toContain(`pprof is not served at http://127.0.0.1:${repo.port}/debug/pprof`)
      expect(line).toContain('import _ "net/http/pprof"')
      expect(line).toContain('r.Any("/debug/pprof/*any", gin.WrapH(http.DefaultServeMux))')
      expect(line).toContain('answers 404')
      // Base, measured before head failed, is kept on disk.
      expect(existsSync(join(repo.dir, '.memleak/base/S0.heap.pb.gz'))).toBe(true)
    })

    it('port already in use: names the port and the input to change, measures nothing', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      const holder: Server = createServer((socket) => socket.destroy())
      await new Promise<void>((resolve) => holder.listen(repo.port, '127.0.0.1', resolve))
      try {
        const run = await runFault(repo, SHORT)
        expect(run.code, tail(run.stderr)).toBe(3)
        expect(lastLine(run.stderr)).toBe(
          `memleak: port ${repo.port} is already in use on 127.0.0.1; stop whatever listens there or set the port input`,
        )
        expect(run.stderr).not.toMatch(/ready after/)
      } finally {
        await new Promise((resolve) => holder.close(resolve))
      }
    })

    it('the timeout input, during the load: exit 3 naming the timeout, everything stopped', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      // 25 s: past both builds even on a busy machine, inside base's 40 s of load (all of it: fixed).
      const run = await runFault(repo, [
        ...SHORT,
        '--duration',
        '40s',
        '--stop-early',
        'false',
        '--timeout',
        '25s',
      ])
      expect(run.code, tail(run.stderr)).toBe(3)
      expect(run.stderr).toMatch(/^base S0\//m)
      expect(lastLine(run.stderr)).toBe('memleak: timeout: the run took longer than 25s')
      expect(run.stderr).not.toMatch(/^\s+at /m)
    })

    it('the timeout input, during the build: everything stopped', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      const run = await runFault(repo, [...SHORT, '--timeout', '1s'])
      expect(run.code, tail(run.stderr)).toBe(3)
      expect(run.stderr).not.toMatch(/ready after/)
      expect(run.stderr).not.toMatch(/^\s+at /m)
      expect(lastLine(run.stderr)).toBe('memleak: timeout: the run took longer than 1s')
    })

    it('SIGTERM during the load of base: "interrupted", exit 3, nothing survives', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      const child = spawn(
        process.execPath,
        [
          CLI,
          'run',
          '--base-ref',
          repo.baseSha,
          '--package',
          './cmd/api',
          '--port',
          String(repo.port),
          ...SHORT,
          '--duration',
          '20s',
          '--stop-early',
          'false',
        ],
        { cwd: repo.dir, stdio: ['ignore', 'ignore', 'pipe'] },
      )
      let stderr = ''
      const exited = new Promise<number | null>((resolve) =>
        child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : null))),
      )
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no snapshot S1 within 90 s:\n${stderr}`)), 90_000)
        child.stderr!.on('data', (d: Buffer) => {
          stderr += d
          if (/^base S1\//m.test(stderr)) {
            clearTimeout(timer)
            resolve()
          }
        })
      })
      child.kill('SIGTERM')
      const code = await exited
      // The CLI stops what it started, says why, and removes the base worktree (the after-test check).
      expect(code, tail(stderr)).toBe(3)
      expect(lastLine(stderr)).toBe('memleak: interrupted')
      expect(processesMentioning(repo.dir)).toEqual([])
    })

    it('5xx under load: the measurement is flagged as untrustworthy, base kept', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'errors5xx')
      const run = await runFault(repo, SHORT)
      expect(run.stderr).toMatch(/head: warning: 100\.0% of requests failed \(HTTP 500: [\d,]+\)/)
      const r = report(repo)
      const notes = r.analysis.notes.join('\n')
      expect(notes).toMatch(
        /^head: 100\.0% of requests failed \(HTTP 500: [\d,]+\); e\.g\. HTTP 500 from GET \/time/m,
      )
      expect(notes).toContain('may not reflect the real service')
      expect(r.analysis.head.errors).toBe(r.analysis.head.requests)
      expect(r.analysis.base?.errors).toBe(0)
      expect(r.analysis.base?.requests).toBeGreaterThan(1000)
      expect(run.stdout).toContain('100.0% of requests failed')
      // fail-on's default has no-verdict: a run that measured only errors fails, saying why in one line.
      expect(run.code).toBe(1)
      expect(r.failures).toEqual([
        expect.stringMatching(/^no verdict \(fail-on: no-verdict\): head: 100\.0% of requests failed/),
      ])
      // No green headline over a measurement that cannot vouch for the code.
      const title = run.stdout.split('\n').find((l) => l.startsWith('### '))
      expect(title).toMatch(/^### ⚠️ /)
    })

    it('stops answering under load: the stall is in the notes', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      useBrokenService(repo, 'hang')
      // 2.5 s after its first request: 1.5 s into the measured load, on any machine.
      const run = await runFault(repo, [...SHORT, '--env', 'HANG_AFTER_MS=2500'])
      expect([0, 1], tail(run.stderr)).toContain(run.code)
      expect(run.stderr).toMatch(
        /head: warning: no request completed between S\d and S\d: the service stopped answering/,
      )
      const notes = report(repo).analysis.notes.join('\n')
      expect(notes).toMatch(/^head: no request completed between S\d and S\d: the service stopped answering/m)
      stalls.set(
        'hang',
        run.stdout.split('\n').find((l) => l.startsWith('### '))!,
      )
    })

    it('a pprof scrape that never answers: the timeout names the URL, nothing left', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      useBrokenService(repo, 'hang')
      // The third heap?gc=1 is S2's.
      const run = await runFault(repo, [...SHORT, '--env', 'HANG_HEAP_AT=3'])
      expect(run.code, tail(run.stderr)).toBe(3)
      expect(lastLine(run.stderr)).toBe(
        `memleak: head: GET http://127.0.0.1:${repo.port}/debug/pprof/heap?gc=1 timed out after 30 s`,
      )
    })

    it('a broken heap profile (the action): a failed step naming side, snapshot and what is wrong', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      useBrokenService(repo, 'badpprof')
      const run = await runAction({
        workspace: repo.dir,
        apiUrl: api.url,
        pullRequest: { number: 70, baseSha: repo.baseSha, headSha: repo.headSha },
        inputs: {
          package: './cmd/api',
          port: String(repo.port),
          'github-token': 'ghs_faultsTOKEN',
          requests: 'GET /time',
          warmup: '1s',
          duration: '4s',
          snapshots: '4',
        },
        timeoutMs: 90_000,
      })
      repo.watch.push(run.runnerTemp)
      expect(run.code).toBe(1)
      const errors = run.stdout.match(/^::error::.*$/gm) ?? []
      expect(errors).toEqual(['::error::head snapshot S2 heap profile: truncated gzip'])
      expect(run.stdout + run.stderr).not.toMatch(/^\s+at /m)
      // Both sides were measured to the end before decoding.
      expect(run.stdout).toMatch(/base: load done/)
      expect(run.stdout).toMatch(/head: load done/)
    })
  })

  it('crash in the middle of the load: a crash finding with the log tail, exit 1, base kept', async (ctx) => {
    const repo = await faultRepo(ctx.task.id, 'healthy', 'crashmid')
    // 25k requests: after the 1 s warmup and before the end of 8 s of load from ~3k to ~25k req/s.
    const run = await runFault(repo, [
      ...SHORT,
      '--duration',
      '8s',
      '--snapshots',
      '8',
      '--env',
      'CRASH_AFTER=25000',
    ])
    expect(run.code, tail(run.stderr)).toBe(1)
    // When it dies depends on the machine's speed (it crashes after a request count): during
    // the measured load on a quiet machine, possibly while settling on a loaded one.
    expect(run.stderr).toMatch(/warning: head: the service exited with code 2 /)
    expect(run.stderr).toMatch(/^fail: new leak on head/m)
    const r = report(repo)
    const crash = r.analysis.findings[0]!
    expect(crash.kind).toBe('crash')
    expect(crash.status).toBe('new')
    expect(crash.summary).toMatch(
      /^The head service died under load after [\d,]+ requests: panic: crashmid: simulated crash after 25000 requests\.$/,
    )
    expect(crash.details?.['log tail']).toContain('panic: crashmid: simulated crash after 25000 requests')
    expect(crash.site.ownFrame).toMatchObject({ function: 'main.crash.func1', line: 38 })
    expect(r.analysis.verdict).toMatchObject({ leak: true, newLeak: true })
    // The other side's measurement is in the report.
    expect(r.analysis.base?.requests).toBeGreaterThan(1000)
    // The report shows the panic line and the log tail.
    expect(run.stdout).toContain('Service crashed under load')
    expect(run.stdout).toContain('panic: crashmid: simulated crash after 25000 requests')
  })
})

// Still open, checked on the runs above.
describe.runIf(existsSync(CLI))('after the faults', () => {
  // Known gap: src/pipeline.ts INVALIDATING (/requests failed|answered no request/) does not match
  // "stopped answering", so a head that stalls half-way still gets "✅ No leak".
  it('a head that stopped answering does not get a green headline', () => {
    expect(stalls.get('hang')).toBeDefined()
    expect(stalls.get('hang')).not.toMatch(/✅/)
  })
})
