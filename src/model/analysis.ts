// What the analysis concludes. Pure data: the report renders it, main decides
// the exit status from `verdict`, the JSON report serialises it as is.
import type { FindingKind } from './finding-kinds.js'
import type { LoadProblem, LoadStats, SideName } from './sides.js'
import type { GoroutineRecord, MemStats, Profile } from './profile.js'

/** A snapshot after decoding (done only once both sides are measured). */
export interface DecodedSnapshot {
  label: string
  elapsedMs: number
  requests: number
  errors: number
  heap: Profile
  goroutines?: Profile
  memstats?: MemStats
  rssBytes?: number
  openFds?: number | null
}

/** One side, decoded: the input of analyse(). */
export interface SideData {
  side: SideName
  snapshots: DecodedSnapshot[]
  settled: DecodedSnapshot
  load: LoadStats
  goroutineDump?: GoroutineRecord[]
  goroutineLeak?: Profile
  /** A CPU profile over part of the measured load: where memory the heap profile cannot see is mapped. */
  cpu?: Profile
  runtimeEnv: Record<string, string>
  /**
   * Level of this side's trend tests when it stopped early: what its interim looks left of
   * the run's alpha (absent: all of it). The allocation comparison keeps the run's alpha.
   */
  trendAlpha?: number
  /** Why the side stopped at its memory budget, when it did: a leak even before one is certain. */
  budgetStop?: string
}

/** A side's measurement after decoding, with what capture said of it. */
export interface DecodedMeasurement {
  data: SideData
  /** Every problem, in words for the notes. */
  problems: string[]
  /** The load's own problems among them: no clean verdict from such a measurement. */
  loadProblems: LoadProblem[]
}

/** The run's significance level: every trend and comparison, spent over the looks when a side stops early. */
export const RUN_ALPHA = 0.05

export interface AnalysisOptions {
  /** Go module path of the service (from go.mod); frames in it are "own". */
  modulePath: string
  /** Smallest growth in allocated bytes per request that counts, as a fraction (0.1 = 10%). */
  regressionThreshold: number
  /** Significance level for trend and two-sample tests. */
  alpha: number
  /** MemProfileRate the service ran with (bytes per heap sample); Go's default is 512 KiB. */
  memProfileRate: number
}

export interface SourceFrame {
  function: string
  /** As pprof reports it; with -trimpath: module path + file. */
  file: string
  line: number
}

/** Where memory is allocated (or goroutines are parked). */
export interface Site {
  /** Stable across base and head: function names only, never lines. */
  key: string
  /** The allocating (or blocking) function: the leaf frame. */
  function: string
  /** First frame in the service's own module: the line a reviewer must change. */
  ownFrame?: SourceFrame
  /** Leaf first, as "function file:line", at most 32 frames. */
  stack: string[]
}

export type { FindingKind }

/** new: absent on base; worsened: at least twice base's rate; pre-existing: on both at a similar rate; unknown: no base measured. */
export type FindingStatus = 'new' | 'worsened' | 'pre-existing' | 'unknown'

export interface Finding {
  kind: FindingKind
  status: FindingStatus
  site: Site
  /** Growth per request in `unit` (B/req for heap, goroutines/req, fds/req, B/req of RSS). */
  rate: number
  unit: string
  baseRate?: number
  /** Growth over the measured run, in the unit's base quantity (bytes, goroutines, fds). */
  growth: number
  /** One sentence a reviewer reads first. */
  summary: string
  /** What to change, chosen by rules over the evidence. */
  hint: string
  /** The series the verdict was drawn from: x = requests served, y = value. */
  evidence: { requests: number[]; values: number[]; settled?: number; pValue?: number }
  /**
   * Kind-specific facts. Always: hintRule (which hint rule fired). Heap: slopeLow/slopeHigh
   * (Sen's 95% interval, B/req), start/end (fitted bytes), lateSlope, noiseFloor, scatter,
   * memProfileRate, inuseObjectsStart/End, verdictReason, alsoRetaining (merged sites),
   * contributors (whole-heap finding). Goroutine: countStart/End/Settled, per1kRequests,
   * blockingFrame, waitFunction, waitReason (+ waitReasonSource: 'goroutine dump' | 'stack'),
   * createdBy, createdAt, dumpMatches, confirmedBy ('goroutineleak profile'), heapSites and
   * heapRetainedPerRequest (heap leaks it explains), heapExplainedPerRequest (live heap moving
   * at every site it explains, significant or not). Connection: readLoopStart/End/Settled,
   * writeLoopEnd, per1kRequests, openFdsStart/End/Settled or openFds ('unavailable...'),
   * fdsPer1kRequests, caller, callerEvidence, otherCallers, waitReason, createdBy, heapSites.
   * RSS: rssStart/End/Peak/Settled, liveHeapGrowth, HeapInuse/HeapIdle/HeapReleased/HeapSys/
   * StackInuse/Sys + Start/End, heapUnreturnedStart/End (HeapIdle - HeapReleased), GOGC,
   * GOMEMLIMIT, GODEBUG. Status: baseBelowDetection (pre-existing although base was not flagged).
   * Harm: harmPerRequest (B/req the cause adds: heap retained + stacks parked + RSS),
   * stackBytesPerGoroutine, stackBytesPerRequest (the stacks its parked goroutines hold per
   * request). Connection: serverEnd, serverEndGoroutines (the server end of the
   * same connections, when the service calls itself).
   */
  details: Record<string, string | number>
}

/** A leak base has that head no longer has (gone), or has at under half base's rate beyond doubt (slower). */
export interface FixedLeak {
  kind: FindingKind
  /** Base's site (its own frame is base's line). */
  site: Site
  unit: string
  baseRate: number
  /** Head's rate at the same site (0 when it no longer moves). */
  headRate: number
  how: 'gone' | 'slower'
  /** Base's finding summary. */
  summary: string
}

/** Allocation per request of one site (or of the whole process). */
export interface AllocRate {
  bytesPerRequest: number
  objectsPerRequest: number
  /** One per snapshot window. */
  windows: number[]
}

export interface AllocatorChange {
  site: Site
  base?: AllocRate
  head: AllocRate
  /** head/base - 1 of the median bytes per request; Infinity when new. */
  change: number
  /** 95% confidence interval of the change (relative), when computable. */
  ci?: [number, number]
  pValue?: number
  /** After Holm-Bonferroni over all sites compared. */
  adjustedPValue?: number
  significant: boolean
}

export interface SideSummary {
  side: SideName
  requests: number
  errors: number
  requestsPerSecond: number
  p99LatencyMs: number
  /** Live heap (inuse_space) growth per 1k requests over the measured run (Theil-Sen). */
  heapGrowthPer1kRequests: number
  liveHeapStart: number
  liveHeapEnd: number
  liveHeapSettled: number
  allocBytesPerRequest: number
  allocObjectsPerRequest: number
  goroutinesStart?: number
  goroutinesEnd?: number
  rssPeakBytes?: number
  openFdsStart?: number
  openFdsEnd?: number
  gc?: { numGC: number; gcCPUFraction?: number; gogc?: string; gomemlimit?: string }
  /** Live heap per snapshot, for the chart. */
  heapSeries: { label: string; requests: number; elapsedMs: number; inuseBytes: number }[]
}

export interface Verdict {
  /** Head has any leak finding. */
  leak: boolean
  /** Head has a leak that base lacks, or one at least twice as fast. */
  newLeak: boolean
  /** Allocated bytes per request grew past the threshold, significantly. */
  regression: boolean
}

export interface Analysis {
  verdict: Verdict
  /** Head's findings (leaks, bounded growth as information, crashes). */
  findings: Finding[]
  base?: SideSummary
  head: SideSummary
  /** Whole-process allocation per request, base vs head. */
  total: AllocatorChange
  /** Leaks of base that head fixed, most harmful first. */
  fixed?: FixedLeak[]
  /** Sites whose allocation grew, largest first. */
  growing: AllocatorChange[]
  /** Sites whose allocation shrank, largest first. */
  improved: AllocatorChange[]
  /** Head's largest allocators by bytes per request (with base beside them when measured), for head-only runs too. */
  topAllocators?: AllocatorChange[]
  /** Things the reader should know that are not findings (noisy run, errors under load). */
  notes: string[]
  /** Why a clean verdict cannot be trusted (most requests failed, no answers, a run cut short). */
  untrustworthy?: string[]
}
