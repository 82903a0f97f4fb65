import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gunzipSync } from 'node:zlib'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { captureSide, type MeasureOptions } from '../../src/capture/schedule.js'
import { stopSnapshots } from '../../src/run/stop-rule.js'
import { ServiceCrashedError } from '../../src/capture/cut-short.js'
import { PprofUnavailableError } from '../../src/capture/pprof.js'
import { parseRequests } from '../../src/load/requests.js'
import { serviceEnvironment } from '../../src/service/service-env.js'
import { ServiceStartError } from '../../src/service/process.js'
import { BUILD_TIMEOUT_MS, buildFixtures, canConnect, freePort, isRunning } from '../service/helpers.js'

let fixtures: Awaited<ReturnType<typeof buildFixtures>>
let workDir: string
beforeAll(async () => {
  fixtures = await buildFixtures(['healthy', 'nopprof', 'crashmid', 'errors5xx', 'exitnow'])
  workDir = mkdtempSync(join(tmpdir(), 'memleak-capture-'))
}, BUILD_TIMEOUT_MS)
afterAll(() => {
  fixtures?.remove()
  rmSync(workDir, { recursive: true, force: true })
})

async function options(name: string, extra: Partial<MeasureOptions> = {}, env: Record<string, string> = {}) {
  const port = await freePort()
  const pprofUrl = `http://127.0.0.1:${port}/debug/pprof`
  return {
    side: 'head',
    binary: fixtures.bin(name),
    args: [],
    cwd: fixtures.dir,
    env: serviceEnvironment(process.env, env, port),
    port,
    pprofUrl,
    readyUrl: `${pprofUrl}/`,
    readyTimeoutMs: 10_000,
    requests: parseRequests('GET /time\nPOST /users {"name":"gopher"}'),
    connections: 4,
    warmupMs: 300,
    durationMs: 1200,
    snapshots: 2,
    settleMs: 300,
    workDir,
    ...extra,
  } satisfies MeasureOptions
}

/** The pid from the service's own log line ("... (pid 123)"). */
function pidFromLog(path: string): number {
  return Number(/\(pid (\d+)\)/.exec(readFileSync(path, 'utf8'))![1])
}

describe('measureSide', () => {
  it('measures healthy: S0..S3 and Sf with gzip heaps, growing counts, nothing left running', async () => {
    const lines: string[] = []
    const opts = await options('healthy', {
      side: 'base',
      warmupMs: 1000,
      durationMs: 3000,
      snapshots: 3,
      traceSeconds: 1,
    })
    const m = await captureSide(opts, (l) => lines.push(l))

    expect(m.side).toBe('base')
    expect(m.snapshots.map((s) => s.label)).toEqual(['S0', 'S1', 'S2', 'S3'])
    expect(m.settled.label).toBe('Sf')
    for (const s of [...m.snapshots, m.settled]) {
      expect(s.heap.length).toBeGreaterThan(100)
      expect([s.heap[0], s.heap[1]]).toEqual([0x1f, 0x8b]) // gzip, as served
      expect(gunzipSync(s.heap).length).toBeGreaterThan(s.heap.length)
      expect(s.goroutine?.[0]).toBe(0x1f)
      expect(s.heapText).toMatch(/^heap profile:/)
      expect(s.heapText).toMatch(/# HeapAlloc = \d+/)
      expect(s.process!.rssBytes).toBeGreaterThan(1e6)
      expect(s.process!.openFds).toBeGreaterThan(3)
      expect(s.errors).toBe(0)
    }
    const counts = m.snapshots.map((s) => s.requests)
    expect(counts[0]).toBeLessThan(counts[1]!)
    expect(counts[1]).toBeLessThan(counts[2]!)
    expect(counts[2]).toBeLessThan(counts[3]!)
    expect(m.settled.requests).toBeGreaterThanOrEqual(counts[3]!)
    const elapsed = m.snapshots.map((s) => s.elapsedMs)
    expect(elapsed[0]).toBeLessThan(200)
    expect(elapsed[3]).toBeGreaterThanOrEqual(2900)
    expect(m.load.requests).toBe(m.settled.requests)
    expect(m.load.errors).toBe(0)
    expect(m.load.statusCounts).toEqual({ '200': expect.any(Number), '201': expect.any(Number) })
    expect(m.errorFraction).toBe(0)
    expect(m.problems).toBeUndefined()
    expect(m.goroutineDump).toMatch(/^goroutine \d+ \[/m)
    expect(m.trace!.length).toBeGreaterThan(100)
    expect(m.logPath).toBe(join(workDir, 'base-service.log'))
    expect(m.runtimeEnv).toEqual({})

    // One progress line a snapshot, in the documented shape.
    const progress = lines.filter((l) => /^base S/.test(l))
    expect(progress).toHaveLength(5)
    expect(progress[2]).toMatch(
      /^base S2\/3 {2}\d+\.\ds\/3s {2}[\d,]+ req\/s {2}0 errors {2}live heap \d+(\.\d)? [kM]?B/,
    )
    expect(progress[4]).toMatch(/^base Sf {2}settled {2}0 errors {2}live heap/)

    const pid = pidFromLog(m.logPath)
    expect(isRunning(pid)).toBe(false)
    expect(await canConnect(opts.port)).toBe(false)
  })

  it('with a stop rule: snapshots when it says, stops when it says, and records why and the phases', async () => {
    const lines: string[] = []
    const seen: number[] = []
    const rule: MeasureOptions['stopRule'] = (snaps) => {
      seen.push(snaps.length)
      // Read as the real rule reads them: the heap text of a live service, scaled.
      expect(stopSnapshots(snaps)!.every((s) => s.liveHeapBytes > 0 && s.allocBytes > 0)).toBe(true)
      return snaps.length < 3
        ? { action: 'continue', nextDueMs: [300, 700][snaps.length - 1]!, why: 'wanting' }
        : { action: 'stop', reason: 'floor-reached', why: 'floor 3 B/req reached', trendAlpha: 0.04 }
    }
    const opts = await options('healthy', { durationMs: 5000, snapshots: 3, stopRule: rule })
    const m = await captureSide(opts, (l) => lines.push(l))

    expect(seen).toEqual([1, 2, 3])
    expect(m.snapshots.map((s) => s.label)).toEqual(['S0', 'S1', 'S2'])
    expect(m.snapshots[1].elapsedMs).toBeGreaterThanOrEqual(300)
    expect(m.snapshots[2].elapsedMs).toBeGreaterThanOrEqual(700)
    expect(m.snapshots[2].elapsedMs).toBeLessThan(2000)
    expect(m.finish).toEqual({ reason: 'floor-reached', why: 'floor 3 B/req reached', trendAlpha: 0.04 })
    // Allocation grows between snapshots, as the comparison's windows need.
    const alloc = stopSnapshots(m.snapshots)!.map((s) => s.allocBytes)
    expect(alloc[1]).toBeGreaterThan(alloc[0]!)
    expect(alloc[2]).toBeGreaterThan(alloc[1]!)
    const p = m.phases!
    expect(p.warmupMs).toBeGreaterThanOrEqual(290)
    expect(p.measuredMs).toBeGreaterThanOrEqual(m.snapshots[2].elapsedMs)
    expect(p.measuredMs).toBeLessThan(opts.durationMs)
    expect(p.settleMs).toBeGreaterThanOrEqual(opts.settleMs)
    expect(p.startMs).toBeGreaterThanOrEqual(0)
    expect(
      lines.filter((l) => /^head: stopped at \d+(\.\d)? s: floor 3 B\/req reached$/.test(l)),
    ).toHaveLength(1)
    // No planned count to show: the longest measurement instead.
    expect(lines.find((l) => l.startsWith('head S1 '))).toMatch(/^head S1 {2}0\.\ds \(at most 5s\)/)
  })

  it('passes the runtime settings through and reports them', async () => {
    const opts = await options(
      'healthy',
      { durationMs: 600, warmupMs: 200, snapshots: 1, settleMs: 0 },
      { GOGC: '50', GODEBUG: 'madvdontneed=1' },
    )
    const m = await captureSide(opts, () => {})
    expect(m.runtimeEnv).toEqual({ GOGC: '50', GODEBUG: 'madvdontneed=1' })
  })

  it('says how to serve pprof when it is missing', async () => {
    const opts = await options('nopprof', {})
    opts.readyUrl = `http://127.0.0.1:${opts.port}/time`
    const err = await captureSide(opts, () => {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PprofUnavailableError)
    expect((err as Error).message).toBe(
      `pprof is not served at ${opts.pprofUrl}: import _ "net/http/pprof" (Gin: r.Any("/debug/pprof/*any", gin.WrapH(http.DefaultServeMux)))`,
    )
    expect(await canConnect(opts.port)).toBe(false)
    expect(isRunning(pidFromLog(join(workDir, 'head-service.log')))).toBe(false)
  })

  it('with the default ready-url, a missing pprof is named as such, not as a timeout', async () => {
    const opts = await options('nopprof', { readyTimeoutMs: 30_000 })
    const started = Date.now()
    const err = await captureSide(opts, () => {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PprofUnavailableError)
    expect((err as Error).message).toMatch(
      /^pprof is not served at .* \(http:\/\/127\.0\.0\.1:\d+\/debug\/pprof\/ answers 404\)$/,
    )
    // Not the whole ready timeout: a steady 404 means the service is up and pprof is missing.
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('a crash mid-load is a ServiceCrashedError with the log tail and the snapshots so far', async () => {
    const opts = await options(
      'crashmid',
      {
        warmupMs: 100,
        durationMs: 20_000,
        snapshots: 40,
        connections: 2,
        requests: parseRequests('GET /time'),
      },
      { CRASH_AFTER: '3000' },
    )
    const started = Date.now()
    const err = await captureSide(opts, () => {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ServiceCrashedError)
    const crash = err as ServiceCrashedError
    expect(crash.exit).toEqual({ code: 2, signal: null })
    expect(crash.logTail).toMatch(/panic: crashmid: simulated crash after 3000 requests/)
    expect(crash.message).toMatch(/^head: the service exited with code 2 /)
    expect(crash.side).toBe('head')
    if (crash.elapsedMs >= 0) {
      expect(crash.snapshots.length).toBeGreaterThanOrEqual(1)
      expect(crash.snapshots[0]!.label).toBe('S0')
      expect(crash.load!.requests).toBeLessThanOrEqual(3000)
    }
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(await canConnect(opts.port)).toBe(false)
  })

  it('counts 5xx answers as errors and says the measurement is not trustworthy', async () => {
    const opts = await options('errors5xx', { requests: parseRequests('GET /time') })
    const m = await captureSide(opts, () => {})
    expect(m.load.statusCounts['500']).toBe(m.load.requests)
    expect(m.load.errors).toBe(m.load.requests)
    expect(m.snapshots.at(-1)!.errors).toBeGreaterThan(0)
    expect(m.errorFraction).toBe(1)
    expect(m.problems?.[0]).toMatch(
      /^100\.0% of requests failed \(HTTP 500: [\d,]+\); e\.g\. HTTP 500 from GET \/time/,
    )
  })

  it('a partial error rate above 1% is reported too', async () => {
    const opts = await options('errors5xx', { requests: parseRequests('GET /time') }, { ERROR_EVERY: '10' })
    const m = await captureSide(opts, () => {})
    expect(m.errorFraction).toBeGreaterThan(0.08)
    expect(m.errorFraction).toBeLessThan(0.12)
    expect(m.problems?.[0]).toMatch(/^(9|10|11)\.\d% of requests failed/)
  })

  it('a service that exits at once fails before any load', async () => {
    const opts = await options('exitnow')
    const err = await captureSide(opts, () => {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ServiceStartError)
    expect((err as Error).message).toMatch(/^service exited with code 3 before it was ready/)
  })

  it('stops everything when aborted', async () => {
    const controller = new AbortController()
    const opts = await options('healthy', { durationMs: 20_000, signal: controller.signal })
    setTimeout(() => controller.abort(new Error('cancelled by test')), 1500)
    const started = Date.now()
    await expect(captureSide(opts, () => {})).rejects.toThrow('cancelled by test')
    expect(Date.now() - started).toBeLessThan(6000)
    expect(await canConnect(opts.port)).toBe(false)
    expect(isRunning(pidFromLog(join(workDir, 'head-service.log')))).toBe(false)
  })
})
