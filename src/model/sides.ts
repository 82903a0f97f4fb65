// What one side's measurement produces: raw bytes and counters only, and how
// the side ended (measured, crashed, stopped) as data. Nothing here is decoded
// while the service is under load; decoding and analysis run after both sides
// are measured, so they never steal its CPU.

export type SideName = 'base' | 'head'

/** Resident memory and open descriptors of the service process. */
export interface ProcessStats {
  rssBytes: number
  /** null where the platform would not tell (no /proc, no lsof). */
  openFds: number | null
}

/** Latency and counts of the built-in load generator. */
export interface LoadStats {
  /** Responses received, any status (transport failures are not responses: see statusCounts.error). */
  requests: number
  /** Non-2xx/3xx answers plus transport failures (reset, timeout). */
  errors: number
  durationMs: number
  requestsPerSecond: number
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  /** HTTP status -> count; transport failures under "error". */
  statusCounts: Record<string, number>
  /** A few distinct error descriptions, for the report. */
  errorSamples: string[]
}

/** One point of the schedule: S0..Sn during load, Sf after it settles. */
export interface RawSnapshot {
  label: string
  /** Milliseconds since the measured load started (S0 is ~0). */
  elapsedMs: number
  /** Requests completed (any status) when the snapshot was taken. */
  requests: number
  errors: number
  /** Body of /debug/pprof/heap?gc=1 as served (gzipped protobuf). */
  heap: Uint8Array
  /** Body of /debug/pprof/goroutine (gzipped protobuf); absent if it failed. */
  goroutine?: Uint8Array
  /** Body of /debug/pprof/heap?debug=1 (text; MemStats footer at the end). */
  heapText?: string
  process?: ProcessStats
}

/** Why a side's measured load ended (issue 16's stopping rule, or the fixed schedule's end). */
export const STOP_REASONS = ['leak-certain', 'memory-budget', 'floor-reached', 'max-duration'] as const
export type StopReason = (typeof STOP_REASONS)[number]

/** How the measured load of a side ended, and what that leaves the analysis. */
export interface SideFinish {
  reason: StopReason
  /** In words: "floor 28 B/req reached", "leak certain (live heap +1 KiB/req)". */
  why: string
  /** Level the trend tests of this side must use: what the looks before the stop left of alpha. */
  trendAlpha: number
}

/** The stopping rule's answer after a snapshot: measure on until nextDueMs (after S0), or stop. */
export type StopCall =
  { action: 'continue'; nextDueMs: number; why: string } | ({ action: 'stop' } & SideFinish)

/** Milliseconds each part of a side took, for "what it cost". */
export interface SidePhases {
  /** Start until the service answered. */
  startMs: number
  warmupMs: number
  /** S0 to the last snapshot under load. */
  measuredMs: number
  /** The end-of-load dumps, the load's stop and the pause before Sf, with Sf. */
  settleMs: number
}

export interface SideMeasurement {
  side: SideName
  /** S0..Sn in order. */
  snapshots: RawSnapshot[]
  /** Sf: taken after the load stopped and the service settled. */
  settled: RawSnapshot
  load: LoadStats
  /** /debug/pprof/goroutine?debug=2 at the end of the measured load. */
  goroutineDump?: string
  /** /debug/pprof/goroutineleak (gzipped protobuf) where the service serves it. */
  goroutineLeak?: Uint8Array
  /** /debug/pprof/profile?seconds=N (gzipped protobuf) over part of the measured load, where served. */
  cpuProfile?: Uint8Array
  /** /debug/pprof/trace?seconds=N bytes, when asked for. */
  trace?: Uint8Array
  /** Path of the service's combined stdout/stderr log. */
  logPath: string
  /** GOGC / GOMEMLIMIT / GODEBUG as given to the service. */
  runtimeEnv: Record<string, string>
  /** Failed requests / attempted requests during the measured load (0..1). */
  errorFraction?: number
  /**
   * Why this measurement may not be trustworthy, in words for the report: more
   * than 1% failed requests, no answer at all, stalls; also optional scrapes that
   * failed. Absent when there is nothing to say.
   */
  problems?: string[]
  /** The load's own problems among them, typed: each one means the figures cannot vouch for the code. */
  loadProblems?: LoadProblem[]
  /** Why the measured load ended when it did; absent on the fixed schedule (stop-early: false). */
  finish?: SideFinish
  phases?: SidePhases
}

/**
 * The load went wrong: errors take other code paths than successes, so such a
 * measurement cannot give a clean verdict or a regression.
 */
export interface LoadProblem {
  kind: 'failed-requests' | 'no-answer' | 'stalled'
  /** The same words as in `problems`. */
  text: string
}

/** A load that never ran, for a side that ended before it counted anything. */
export const NO_LOAD: LoadStats = {
  requests: 0,
  errors: 0,
  durationMs: 0,
  requestsPerSecond: 0,
  latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
  statusCounts: {},
  errorSamples: [],
}

/** A side whose measurement ended early, with the snapshots it took before; its message says what happened. */
export interface CutShort extends Error {
  side: SideName
  logPath: string
  snapshots: RawSnapshot[]
  /** Milliseconds since the measured load started (negative: during warmup). */
  elapsedMs: number
  load?: LoadStats
}

/** The service died (or exited) under load. */
export interface Crash extends CutShort {
  exit: { code: number | null; signal: string | null }
  logTail: string
}

/** The run was stopped (deadline, cancelled job) while this side was measured. */
export interface Stop extends CutShort {
  /** The measured load this side was to run, for "measured for 8 s of 20 s". */
  durationMs: number
}

/**
 * How one side's measurement ended, as data: `measurement` is what can be analysed
 * (a crashed or stopped side's snapshots so far; absent when it took none). `M` is
 * the raw measurement out of capture, or its decoded form out of profile/.
 */
export type SideOutcome<M = SideMeasurement> =
  | { kind: 'measured'; side: SideName; measurement: M }
  | { kind: 'crashed'; side: SideName; crash: Crash; measurement?: M }
  | { kind: 'stopped'; side: SideName; stop: Stop; measurement?: M }
