// The built-in load generator, as the main thread sees it: worker threads do
// the HTTP; counters live in shared memory, so counts() is exact and instant
// even while the workers are saturated.
import { Worker } from 'node:worker_threads'
import type { LoadStats } from '../model/sides.js'
import { BUCKETS, quantile } from './histogram.js'
import { compileRequest, type LoadRequest } from './requests.js'
import {
  CTRL_EPOCH,
  CTRL_PAUSE,
  CTRL_SLOTS,
  CTRL_STOP,
  HISTOGRAM,
  IN_FLIGHT,
  MAX_EPOCH,
  MAX_US,
  SLOTS,
  STATUS,
  STATUS_CODES,
  TRANSPORT_ERRORS,
  type WorkerConfig,
  type WorkerMessage,
} from './shared.js'
import { resolveWorkerUrl } from './worker-url.js'

export interface LoadOptions {
  port: number
  requests: LoadRequest[]
  /** Concurrent keep-alive connections, spread over the threads (default 16). */
  connections?: number
  /** Sent with every request (the `headers` input); a request's own header of the same name wins. */
  headers?: [string, string][]
  /** Cap on requests per second for the whole load, over every thread (unset: as fast as answered). */
  rate?: number
  /** Per-request timeout (default 10 s); a timeout counts as an error. */
  timeoutMs?: number
  /**
   * Worker threads (default 1). One thread keeps up with wrk on a 2-core runner and leaves
   * the other core to the service; more only help when cores are spare.
   */
  threads?: number
  /**
   * Requests written at once on each connection (HTTP/1.1 pipelining; default 1:
   * each connection waits for its answer). Only for services that answer
   * pipelined requests in order, as Go's net/http does.
   */
  pipeline?: number
  /** The load ends by itself this long after it started, stop() or not (default 1 h). */
  deadlineMs?: number
  /** The worker script; resolved automatically (dist/load-worker.js, or transpiled from source). */
  workerUrl?: URL
}

export interface LoadCounts {
  /** Responses received (any status) since the last resetStats(). */
  requests: number
  /** Non-2xx/3xx responses plus transport failures since the last resetStats(). */
  errors: number
}

export interface LoadHandle {
  counts(): LoadCounts
  /** Starts measuring afresh: counts, histogram and duration restart from now. */
  resetStats(): void
  /** Statistics since the last reset, without stopping. */
  stats(): LoadStats
  /**
   * Holds every new request and resolves once none is in flight (or after maxWaitMs), so a
   * snapshot's request count and the profile taken next cover the same requests.
   */
  pause(maxWaitMs?: number): Promise<void>
  /** Lets the connections send again; the paused time is left out of the load's duration. */
  resume(): void
  /** Ends the load (idempotent) and returns the statistics since the last reset. */
  stop(): Promise<LoadStats>
  /** Resolves when every worker has ended (after stop(), the deadline, or a worker crash). */
  ended: Promise<void>
}

const DEFAULT_CONNECTIONS = 16
const DEFAULT_TIMEOUT_MS = 10_000
const DEFAULT_DEADLINE_MS = 60 * 60 * 1000
const STOP_WAIT_MS = 2000

/**
 * Long (over 80 lines) because the handle it returns (stats, reset, pause, stop)
 * closes over the workers and shared counters it sets up; split, that state would
 * be passed around between the halves.
 */
export async function startLoad(options: LoadOptions): Promise<LoadHandle> {
  const connections = options.connections ?? DEFAULT_CONNECTIONS
  const threads = Math.max(1, Math.min(options.threads ?? 1, connections))
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const pipeline = options.pipeline ?? 1
  if (!Number.isInteger(pipeline) || pipeline < 1) throw new Error(`pipeline must be ≥ 1, got ${pipeline}`)
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS
  if (options.requests.length === 0) throw new Error('startLoad: no requests')
  if (!Number.isInteger(connections) || connections < 1)
    throw new Error(`connections must be ≥ 1, got ${connections}`)
  // The load only ever goes to the service on this machine.
  const host = '127.0.0.1'
  const workerUrl = await resolveWorkerUrl(options.workerUrl)

  const control = new SharedArrayBuffer(CTRL_SLOTS * 4)
  const ctrl = new Int32Array(control)
  if (options.rate !== undefined && !(options.rate > 0))
    throw new Error(`rate must be > 0, got ${options.rate}`)
  const encoded = options.requests.map((r) => compileRequest(r, `${host}:${options.port}`, options.headers))
  const labels = options.requests.map(
    (r) => `${r.method} ${r.path.length > 60 ? `${r.path.slice(0, 60)}…` : r.path}`,
  )
  const isHead = options.requests.map((r) => r.method === 'HEAD')

  const sections: Int32Array[] = []
  const workers: Worker[] = []
  const errorSamples: string[] = []
  const started: Promise<void>[] = []
  const ended: Promise<void>[] = []
  for (let t = 0; t < threads; t++) {
    const counters = new SharedArrayBuffer(SLOTS * 4)
    sections.push(new Int32Array(counters))
    const config: WorkerConfig = {
      port: options.port,
      host,
      requests: encoded,
      isHead,
      labels,
      // Spread connections evenly: 16 over 3 threads is 6, 5, 5.
      connections: Math.floor(connections / threads) + (t < connections % threads ? 1 : 0),
      pipeline,
      timeoutMs,
      offset: Math.floor((t * options.requests.length) / threads),
      ...(options.rate ? { rate: options.rate / threads } : {}),
      counters,
      control,
      deadlineMs,
    }
    const worker = new Worker(workerUrl, { workerData: config, stdout: false, stderr: false })
    workers.push(worker)
    started.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'started') resolve()
          else if (m.type === 'error-sample' && errorSamples.length < 10 && !errorSamples.includes(m.text)) {
            errorSamples.push(m.text)
          }
        })
        worker.once('error', reject)
        worker.once('exit', (code) =>
          reject(new Error(`load worker exited with code ${code} before starting`)),
        )
      }),
    )
    ended.push(
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve())
      }),
    )
  }
  const allEnded = Promise.all(ended).then(() => {})
  // A crash after start must not become an unhandled rejection; it shows as ended.
  for (const w of workers) w.on('error', () => {})

  let baseline: Int32Array = new Int32Array(SLOTS)
  let resetAt = performance.now()
  let stoppedAt: number | undefined
  // Time spent paused since the last reset, and when the current pause began.
  let pausedMs = 0
  let pausedAt: number | undefined
  let finalStats: LoadStats | undefined
  let stopping: Promise<LoadStats> | undefined

  const snapshot = (): Int32Array => {
    const all = new Int32Array(SLOTS)
    for (const s of sections) for (let i = 0; i < SLOTS; i++) all[i]! += Atomics.load(s, i)
    return all
  }

  // Requests and errors are summed from the status counts rather than read from their own
  // counters: the baseline is read while the workers run, and a response recorded between the
  // reads of two slots would otherwise make the totals and the status counts disagree by one.
  const countsOf = (now: Int32Array): { requests: number; errors: number } => {
    let requests = 0
    let errors = now[TRANSPORT_ERRORS]! - baseline[TRANSPORT_ERRORS]!
    for (let code = 0; code < STATUS_CODES; code++) {
      const c = now[STATUS + code]! - baseline[STATUS + code]!
      requests += c
      if (code < 200 || code >= 400) errors += c
    }
    return { requests, errors }
  }

  const computeStats = (): LoadStats => {
    const now = snapshot()
    const delta = (slot: number): number => now[slot]! - baseline[slot]!
    const { requests, errors } = countsOf(now)
    const end = stoppedAt ?? performance.now()
    const durationMs = end - resetAt - pausedMs - (pausedAt === undefined ? 0 : end - pausedAt)
    const histogram = new Array<number>(BUCKETS)
    for (let i = 0; i < BUCKETS; i++) histogram[i] = delta(HISTOGRAM + i)
    let maxUs = 0
    const epoch = Atomics.load(ctrl, CTRL_EPOCH)
    // A worker's max belongs to the current period only once it has recorded a response in it.
    for (const s of sections)
      if (Atomics.load(s, MAX_EPOCH) === epoch) maxUs = Math.max(maxUs, Atomics.load(s, MAX_US))
    const statusCounts: Record<string, number> = {}
    for (let code = 0; code < STATUS_CODES; code++) {
      const c = delta(STATUS + code)
      if (c > 0) statusCounts[code === 0 ? 'other' : String(code)] = c
    }
    const transport = delta(TRANSPORT_ERRORS)
    if (transport > 0) statusCounts.error = transport
    const ms = (us: number): number => Math.round(us) / 1000
    return {
      requests,
      errors,
      durationMs: Math.round(durationMs),
      requestsPerSecond: durationMs > 0 ? Math.round((requests / durationMs) * 1000 * 10) / 10 : 0,
      latencyMs: {
        p50: ms(quantile(histogram, 0.5, maxUs)),
        p90: ms(quantile(histogram, 0.9, maxUs)),
        p99: ms(quantile(histogram, 0.99, maxUs)),
        max: ms(maxUs),
      },
      statusCounts,
      errorSamples: [...errorSamples],
    }
  }

  const stop = (): Promise<LoadStats> =>
    (stopping ??= (async () => {
      Atomics.store(ctrl, CTRL_STOP, 1)
      stoppedAt = performance.now()
      for (const w of workers) w.postMessage('stop')
      const timer = setTimeout(() => {
        for (const w of workers) void w.terminate()
      }, STOP_WAIT_MS)
      await allEnded
      clearTimeout(timer)
      finalStats = computeStats()
      return finalStats
    })())

  try {
    await Promise.all(started)
  } catch (err) {
    await stop()
    throw err
  }

  // Past the deadline, make sure the threads are gone even if a worker hangs.
  const hardStop = setTimeout(() => void stop(), deadlineMs + STOP_WAIT_MS)
  void allEnded.then(() => {
    clearTimeout(hardStop)
    stoppedAt ??= performance.now()
  })

  const inFlight = (): number => sections.reduce((sum, s) => sum + Atomics.load(s, IN_FLIGHT), 0)

  return {
    counts: () => countsOf(snapshot()),
    resetStats: () => {
      Atomics.add(ctrl, CTRL_EPOCH, 1)
      baseline = snapshot()
      resetAt = performance.now()
      pausedMs = 0
      if (pausedAt !== undefined) pausedAt = resetAt
    },
    async pause(maxWaitMs = timeoutMs) {
      if (stopping || pausedAt !== undefined) return
      Atomics.store(ctrl, CTRL_PAUSE, 1)
      pausedAt = performance.now()
      const until = pausedAt + maxWaitMs
      while (inFlight() > 0 && performance.now() < until && !stopping) {
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    },
    resume() {
      if (pausedAt === undefined) return
      pausedMs += performance.now() - pausedAt
      pausedAt = undefined
      Atomics.store(ctrl, CTRL_PAUSE, 0)
    },
    stats: () => finalStats ?? computeStats(),
    stop,
    ended: allEnded,
  }
}
