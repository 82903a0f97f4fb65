// The resolved profile model: strings and ids are resolved at decode time,
// values are plain numbers (int64 normalised once with BigInt.asIntN).

export interface ValueType {
  type: string
  unit: string
}

export interface Func {
  name: string
  systemName: string
  filename: string
  startLine: number
  /**
   * Dense index of the function within the profile it was decoded from
   * (0..n-1), so hot loops can use arrays instead of maps. Absent on Funcs
   * built by hand; never compare indexes across profiles.
   */
  index?: number
}

/** One frame of a stack, after inlining is expanded: a location with N lines gives N frames. */
export interface Frame {
  func: Func
  line: number
  /** Program counter of the location the frame came from (0 when unknown). */
  address: number
  /**
   * True when the frame was inlined into its caller (it is not the last line of
   * its location). pprof marks such nodes "(inline)" in -top output.
   */
  inlined?: boolean
}

/**
 * A program location, as google/pprof has it: one address and the frames at
 * it. Decoded profiles keep one table of them, and samples point into it.
 */
export interface Location {
  /** The location's id in the profile it was decoded from. */
  id: number
  address: number
  /**
   * Leaf first: with inlining, the innermost inlined callee first and the
   * function it was all inlined into last. Never empty: a location without
   * lines (unsymbolized) is one frame named by its address, as pprof names it.
   */
  frames: readonly Frame[]
}

export interface Sample {
  /**
   * Leaf first: stack[0] is where the allocation (or block) happened. On a
   * decoded profile this is built from `locations` on every read: in a loop
   * over many samples, read it once per sample (or use `locations`).
   */
  readonly stack: readonly Frame[]
  /**
   * The stack as indexes into Profile.locations, leaf first; each location
   * stands for its frames. Set on decoded profiles, where it is what is
   * stored (typed arrays into one shared table, not a Frame[] per sample).
   */
  readonly locations?: Int32Array
  /** One value per sample type, in Profile.sampleTypes order. */
  values: readonly number[]
  labels: Readonly<Record<string, string>>
  /** Numeric labels, e.g. Go heap profiles' "bytes" (object size); absent when none. */
  numLabels?: Readonly<Record<string, number>>
}

export interface Profile {
  sampleTypes: readonly ValueType[]
  samples: readonly Sample[]
  /** The locations that decoded samples' `locations` index into. */
  locations?: readonly Location[]
  periodType?: ValueType
  period: number
  timeNanos: number
  durationNanos: number
  defaultSampleType?: string
  /** Free-form comments stored in the profile (rarely set by Go). */
  comments?: readonly string[]
  /** Path of the main binary (first mapping), when the profile names one. */
  mainBinary?: string
  buildId?: string
}

/** Runtime MemStats from the footer of /debug/pprof/heap?debug=1 (bytes unless noted). */
export interface MemStats {
  alloc?: number
  totalAlloc?: number
  sys?: number
  heapAlloc?: number
  heapSys?: number
  heapIdle?: number
  heapInuse?: number
  heapReleased?: number
  heapObjects?: number
  stackInuse?: number
  stackSys?: number
  mSpanInuse?: number
  mCacheInuse?: number
  gcSys?: number
  otherSys?: number
  nextGC?: number
  numGC?: number
  gcCPUFraction?: number
  mallocs?: number
  frees?: number
  mSpanSys?: number
  mCacheSys?: number
  buckHashSys?: number
  /** Unix nanoseconds of the last GC. */
  lastGC?: number
  numForcedGC?: number
  /** Peak RSS of the process, where the platform reports it (Linux, macOS). */
  maxRSS?: number
  /** Every "# Name = value" pair as read, for anything not named above. */
  raw: Record<string, number>
}

/** One goroutine from /debug/pprof/goroutine?debug=2. */
export interface GoroutineRecord {
  id: number
  /** "chan send", "chan receive", "select", "IO wait", "running", ... */
  state: string
  waitMinutes?: number
  /** Leaf first. */
  frames: { func: string; file: string; line: number }[]
  createdBy?: { func: string; file: string; line: number; goroutine?: number }
  /** Frames the runtime left out of a deep stack ("...N frames elided..."); 0 when it did not say how many. */
  elidedFrames?: number
  /** "locked to thread" in the header: the goroutine owns its OS thread. */
  lockedToThread?: boolean
  /** Go 1.26 goroutine leak detector's "(leaked)" mark. */
  leaked?: boolean
  /** "(durable)": blocked inside a synctest bubble, on something only the bubble can release. */
  durable?: boolean
  /** Goroutine labels (pprof.Do), when the runtime printed them. */
  labels?: Record<string, string>
  /** GODEBUG=tracebackancestors=N: the stacks of the goroutines that created this one, nearest first. */
  ancestors?: { goroutine: number; frames: { func: string; file: string; line: number }[] }[]
}
