// One side's snapshot schedule: start the service, load it, take snapshots on a
// schedule while the load runs, let it settle, take the "released after GC?"
// snapshot, stop everything. Only raw bytes and counters come out.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startLoad, type LoadHandle } from '../load/generator.js'
import type { LoadRequest } from '../load/requests.js'
import {
  describeExit,
  ServiceStartError,
  startService,
  type ExitStatus,
  type ServiceHandle,
} from '../service/process.js'
import { processStats } from '../service/process-stats.js'
import {
  checkPprof,
  DUMP_TIMEOUT_MS,
  fetchBytes,
  fetchOptional,
  PprofUnavailableError,
  pprofHint,
  PROFILE_TIMEOUT_MS,
} from './pprof.js'
import { formatProgress, parseHeapAlloc } from './progress.js'
import { formatGrouped, formatMemoryLimit } from '../model/format.js'
import { formatSeconds } from '../service/http.js'
import { MeasurementStoppedError, ServiceCrashedError } from './cut-short.js'
import { errorFraction, loadProblems } from './load-problems.js'
import type { RawSnapshot, SideFinish, SideMeasurement, SideName, StopCall } from '../model/sides.js'
import type { Scope } from '../sandbox/sandbox.js'

export interface MeasureOptions {
  side: SideName
  binary: string
  args: string[]
  cwd: string
  /** Already scrubbed (serviceEnvironment). */
  env: Record<string, string>
  port: number
  /** e.g. http://127.0.0.1:8080/debug/pprof (a trailing slash is ignored). */
  pprofUrl: string
  readyUrl: string
  /** Waited for after readyUrl until it gives any HTTP answer: the service's own listener. */
  listenUrl?: string
  readyTimeoutMs: number
  requests: LoadRequest[]
  /** Sent with every request. */
  headers?: [string, string][]
  /** Cap on requests per second for the whole load (warmup included). */
  rate?: number
  connections: number
  warmupMs: number
  durationMs: number
  /** Snapshots during the measured load after S0 (the snapshots input), without a stopRule. */
  snapshots: number
  /**
   * Sequential stopping: asked after every snapshot under load (S0 first) when the next one is
   * due, or whether to stop; `durationMs` is then the most the side is measured. Absent:
   * `snapshots` evenly over `durationMs`.
   */
  stopRule?: (snapshots: readonly RawSnapshot[]) => StopCall
  /** Pause between the end of the load and Sf (default SETTLE_MS). */
  settleMs?: number
  /** Seconds of /debug/pprof/trace in the middle of the load; 0 = none (default). */
  traceSeconds?: number
  /** Per-request timeout of the load generator (default 10 s). */
  requestTimeoutMs?: number
  /** Where the service's log goes. */
  workDir: string
  signal?: AbortSignal
  /** Load generator threads (default 1). */
  loadThreads?: number
  /** Load worker script, when not the bundled or source one. */
  loadWorkerUrl?: URL
  /** The sandbox scope the service runs in (as another user, in its own cgroup). */
  scope?: Scope
}

const RUNTIME_ENV = ['GOGC', 'GOMEMLIMIT', 'GODEBUG', 'GOMAXPROCS']
const DEADLINE_MARGIN_MS = 5 * 60 * 1000
/**
 * The pause between the load's end and Sf. Measured on the fixture services with heap?gc=1
 * at 0-2000 ms after the stop: inuse_space is the same from 100 ms on (the only drop, sync.Pool's
 * victim cache, follows the number of GCs, not time), and the server's connection goroutines
 * are gone within 10 ms. 250 ms covers both with room; it was 2 s.
 */
const SETTLE_MS = 250
/** A CPU profile this long has thousands of samples on a busy service; longer only costs memory. */
const CPU_PROFILE_MAX_SECONDS = 10
/**
 * With sequential stopping a side may be done within seconds: a profile that outlasts it would
 * hold the side. 3 s on a busy service is still hundreds of samples, which offheap.ts needs.
 */
const CPU_PROFILE_SEQUENTIAL_SECONDS = 3

/** Thrown inside captureSide when the service exits; turned into ServiceCrashedError. */
class Exited extends Error {
  constructor(readonly exit: ExitStatus) {
    super('service exited')
  }
}

/**
 * Runs one side's schedule; a crash or a stop is thrown (ServiceCrashedError,
 * MeasurementStoppedError) with what was taken so far, and measureSide (side.ts)
 * turns it into an outcome. Long because the schedule is one sequence in time
 * (start, warm up, S0..Sn, dumps, settle, Sf) racing the service's exit and the
 * stop signal at every await; split up, its shared state would be passed around.
 */
export async function captureSide(
  opts: MeasureOptions,
  log: (line: string) => void,
): Promise<SideMeasurement> {
  const side = opts.side
  const pprofUrl = opts.pprofUrl.replace(/\/+$/, '')
  const count = Math.max(1, Math.floor(opts.snapshots))
  const settleMs = opts.settleMs ?? SETTLE_MS
  let traceSeconds = Math.max(0, Math.min(opts.traceSeconds ?? 0, Math.floor(opts.durationMs / 1000)))
  const logPath = join(opts.workDir, `${side}-service.log`)
  const signal = opts.signal
  const runtimeEnv = Object.fromEntries(
    RUNTIME_ENV.filter((k) => opts.env[k] !== undefined).map((k) => [k, opts.env[k]!]),
  )

  mkdirSync(opts.workDir, { recursive: true })
  log(`${side}: starting ${opts.binary} (port ${opts.port}, log ${logPath})`)
  const startedAt = Date.now()
  let service: ServiceHandle
  try {
    service = await startService({
      binary: opts.binary,
      args: opts.args,
      cwd: opts.cwd,
      env: opts.env,
      logPath,
      port: opts.port,
      readyUrl: opts.readyUrl,
      ...(opts.listenUrl ? { listenUrl: opts.listenUrl } : {}),
      readyTimeoutMs: opts.readyTimeoutMs,
      signal,
      scope: opts.scope,
    })
  } catch (err) {
    // The default ready-url is pprof's index: a 404 there means pprof is missing, not slowness.
    if (
      err instanceof ServiceStartError &&
      err.lastAttempt === 'HTTP 404' &&
      opts.readyUrl.startsWith(pprofUrl)
    ) {
      throw new PprofUnavailableError(`${pprofHint(pprofUrl)} (${opts.readyUrl} answers 404)`)
    }
    throw err
  }
  const readyAt = Date.now()
  log(`${side}: ready after ${formatSeconds(readyAt - startedAt)} (pid ${service.pid})`)

  const exited = service.exited.then((exit) => {
    throw new Exited(exit)
  })
  exited.catch(() => {})
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return
    const onAbort = (): void => reject(signal.reason)
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  aborted.catch(() => {})
  /** Waits for p, unless the service exits or the signal aborts first. */
  const guard = <T>(p: Promise<T>): Promise<T> => Promise.race([p, exited, aborted])
  const sleepUntil = (t: number): Promise<void> => guard(sleep(Math.max(0, t - performance.now())))

  let load: LoadHandle | undefined
  const snapshots: RawSnapshot[] = []
  let t0 = performance.now()
  let measuring = false
  try {
    await guard(checkPprof(pprofUrl, signal))
    load = await guard(
      startLoad({
        port: opts.port,
        requests: opts.requests,
        headers: opts.headers,
        rate: opts.rate,
        connections: opts.connections,
        timeoutMs: opts.requestTimeoutMs,
        threads: opts.loadThreads,
        workerUrl: opts.loadWorkerUrl,
        deadlineMs: opts.warmupMs + opts.durationMs + traceSeconds * 1000 + DEADLINE_MARGIN_MS,
      }),
    )
    const activeLoad = load
    const capped = opts.rate ? `, at most ${formatGrouped(opts.rate)} requests/s` : ''
    log(
      `${side}: warming up for ${formatSeconds(opts.warmupMs)} with ${opts.connections} connections${capped}`,
    )
    let trace: Promise<{ body?: Buffer; problem?: string }> | undefined
    const startTrace = (): void => {
      const url = `${pprofUrl}/trace?seconds=${traceSeconds}`
      log(`${side}: tracing for ${traceSeconds} s`)
      trace = fetchOptional(url, traceSeconds * 1000 + PROFILE_TIMEOUT_MS, signal, 512 * 1024 * 1024)
      trace.catch(() => {})
    }
    const warmupStart = performance.now()
    // Sequentially the side's length is not known, and the trace handler's own allocations in a
    // window would read as head's (base is not traced): the trace is taken in the warmup's last
    // seconds, as many whole ones as fit, so the warmup keeps its length.
    // None at all when none fits: never inside the windows.
    if (opts.stopRule)
      traceSeconds = Math.max(0, Math.min(traceSeconds, Math.floor((opts.warmupMs - 250) / 1000)))
    if (opts.stopRule && traceSeconds > 0) {
      await sleepUntil(warmupStart + opts.warmupMs - traceSeconds * 1000 - 250)
      startTrace()
      await guard(trace!)
    }
    await sleepUntil(warmupStart + opts.warmupMs)
    const warm = activeLoad.counts()
    const warmRate = (warm.requests / Math.max(1, performance.now() - warmupStart)) * 1000
    activeLoad.resetStats()
    t0 = performance.now()
    measuring = true

    // The load holds while a snapshot is taken, with nothing in flight: the forced GC and the
    // scrape of a large heap take seconds, and requests served meanwhile would fall into the
    // next window's allocations but this window's count (bytes per request read high, then low).
    const take = async (label: string): Promise<RawSnapshot> => {
      await guard(activeLoad.pause())
      const counts = activeLoad.counts()
      const elapsedMs = Math.round(performance.now() - t0)
      let heap: Uint8Array
      let text: Awaited<ReturnType<typeof fetchOptional>>
      let goroutine: Awaited<ReturnType<typeof fetchOptional>>
      let stats: Awaited<ReturnType<typeof processStats>> | undefined
      try {
        heap = await guard(fetchBytes(`${pprofUrl}/heap?gc=1`, PROFILE_TIMEOUT_MS, signal))
        text = await guard(fetchOptional(`${pprofUrl}/heap?debug=1`, PROFILE_TIMEOUT_MS, signal))
        goroutine = await guard(fetchOptional(`${pprofUrl}/goroutine`, PROFILE_TIMEOUT_MS, signal))
        stats = await guard(processStats(service.pid).catch(() => undefined))
      } finally {
        activeLoad.resume()
      }
      const snapshot: RawSnapshot = {
        label,
        elapsedMs,
        requests: counts.requests,
        errors: counts.errors,
        heap,
      }
      if (goroutine.body) snapshot.goroutine = new Uint8Array(goroutine.body)
      if (text.body) snapshot.heapText = text.body.toString('utf8')
      if (stats) snapshot.process = stats
      return snapshot
    }

    const interval = opts.durationMs / count
    const progress = (s: RawSnapshot, index: number, rate: number): void =>
      log(
        formatProgress({
          side,
          label: s.label,
          index,
          ...(opts.stopRule ? {} : { total: count }),
          elapsedMs: s.elapsedMs,
          durationMs: opts.durationMs,
          requestsPerSecond: rate,
          errors: s.errors,
          heapAlloc: parseHeapAlloc(s.heapText),
          rssBytes: s.process?.rssBytes,
        }),
      )

    const traceAt = t0 + Math.max(0, (opts.durationMs - traceSeconds * 1000) / 2)

    const s0 = await take('S0')
    snapshots.push(s0)
    progress(s0, 0, warmRate)
    // Where the service maps memory, calls C and faults new pages in: the only pointer to
    // an own line when RSS grows outside the Go heap. It ends before the load does.
    const cpuSeconds = Math.min(
      opts.stopRule ? CPU_PROFILE_SEQUENTIAL_SECONDS : CPU_PROFILE_MAX_SECONDS,
      Math.floor(opts.durationMs / 1000) - 1,
    )
    const cpu =
      cpuSeconds > 0
        ? fetchOptional(
            `${pprofUrl}/profile?seconds=${cpuSeconds}`,
            cpuSeconds * 1000 + PROFILE_TIMEOUT_MS,
            signal,
          )
        : undefined
    cpu?.catch(() => {})
    // Fixed: `count` snapshots evenly over the duration. Sequential: whenever the rule says.
    let call: StopCall | undefined = opts.stopRule?.(snapshots)
    for (let i = 1; call ? call.action === 'continue' : i <= count; i++) {
      const due = t0 + (call?.action === 'continue' ? call.nextDueMs : i * interval)
      if (traceSeconds > 0 && !trace && traceAt < due) {
        await sleepUntil(traceAt)
        startTrace()
      }
      await sleepUntil(due)
      const s = await take(`S${i}`)
      const prev = snapshots[snapshots.length - 1]!
      snapshots.push(s)
      progress(s, i, ((s.requests - prev.requests) / Math.max(1, s.elapsedMs - prev.elapsedMs)) * 1000)
      if (call) call = opts.stopRule!(snapshots)
    }
    const finish: SideFinish | undefined =
      call?.action === 'stop'
        ? { reason: call.reason, why: call.why, trendAlpha: call.trendAlpha }
        : undefined
    if (finish) log(`${side}: stopped at ${formatSeconds(snapshots.at(-1)!.elapsedMs)}: ${finish.why}`)
    const measuredMs = performance.now() - t0

    // Near the end, while the load still runs: who is waiting where, and Go 1.26's leak detector.
    const dump = await guard(fetchOptional(`${pprofUrl}/goroutine?debug=2`, DUMP_TIMEOUT_MS, signal))
    const leak = await guard(fetchOptional(`${pprofUrl}/goroutineleak`, DUMP_TIMEOUT_MS, signal))
    const traced = trace ? await guard(trace) : undefined
    const cpuProfile = cpu ? await guard(cpu) : undefined

    const loadStats = await activeLoad.stop()
    measuring = false
    log(
      `${side}: load done: ${formatGrouped(loadStats.requests)} requests in ${formatSeconds(loadStats.durationMs)} ` +
        `(${formatGrouped(loadStats.requestsPerSecond)} req/s, p50 ${loadStats.latencyMs.p50} ms, ` +
        `p99 ${loadStats.latencyMs.p99} ms), ${formatGrouped(loadStats.errors)} errors; settling ${formatSeconds(settleMs)}`,
    )
    await sleepUntil(performance.now() + settleMs)
    const settled = await take('Sf')
    progress(settled, snapshots.length, 0)

    const typed = loadProblems(loadStats, snapshots)
    const problems = typed.map((p) => p.text)
    for (const p of [dump.problem, leak.problem, traced?.problem]) if (p) problems.push(p)
    for (const p of problems) log(`${side}: warning: ${p}`)

    const result: SideMeasurement = {
      side,
      snapshots,
      settled,
      load: loadStats,
      logPath,
      runtimeEnv,
      errorFraction: errorFraction(loadStats),
    }
    if (finish) result.finish = finish
    result.phases = {
      startMs: readyAt - startedAt,
      warmupMs: Math.round(t0 - warmupStart),
      measuredMs: Math.round(measuredMs),
      settleMs: Math.round(performance.now() - t0 - measuredMs),
    }
    if (problems.length > 0) result.problems = problems
    if (typed.length > 0) result.loadProblems = typed
    if (dump.body) result.goroutineDump = dump.body.toString('utf8')
    if (leak.body) result.goroutineLeak = new Uint8Array(leak.body)
    if (cpuProfile?.body) result.cpuProfile = new Uint8Array(cpuProfile.body)
    if (traced?.body) result.trace = new Uint8Array(traced.body)
    return result
  } catch (err) {
    // A failed scrape is often the first sign of a crash: give the exit a moment to be seen.
    if (signal?.aborted) {
      // Stopped from outside (even if the safety net killed the service on the way): keep the
      // snapshots taken so far, with the load counted up to now, for a partial report.
      const loadStats = await load?.stop().catch(() => undefined)
      throw new MeasurementStoppedError(
        signal.reason instanceof Error ? signal.reason.message : String(signal.reason),
        side,
        logPath,
        snapshots,
        measuring ? Math.round(performance.now() - t0) : -1,
        opts.durationMs,
        loadStats,
      )
    }
    const exit =
      err instanceof Exited ? err.exit : (service.exitStatus() ?? (await within(service.exited, 500)))
    if (!exit) throw err
    const loadStats = await load?.stop()
    const elapsedMs = Math.round(performance.now() - t0)
    const when = measuring
      ? `${formatSeconds(elapsedMs)} into the measured load`
      : load
        ? 'during warmup or after the load'
        : 'before the load started'
    const served = loadStats ? ` after ${formatGrouped(loadStats.requests)} measured requests` : ''
    // The kernel's OOM killer at the memory-limit: the leak took the service down, not the runner.
    const exitDescription = opts.scope?.oomKilled()
      ? `was killed at ${formatMemoryLimit(opts.scope.memoryLimit!)} (the memory-limit input)${served}, ${when}`
      : `${describeExit(exit)} ${when}${served}`
    throw new ServiceCrashedError(
      `${side}: the service ${exitDescription}; last log lines:\n${service.logTail()}`,
      side,
      exit,
      service.logTail(),
      logPath,
      snapshots,
      measuring ? elapsedMs : -1,
      loadStats,
    )
  } finally {
    await load?.stop()
    await service.stop()
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms))),
    ])
  } finally {
    clearTimeout(timer)
  }
}
