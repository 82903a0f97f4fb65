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
}

/** One frame of a stack, after inlining is expanded: a location with N lines gives N frames. */
export interface Frame {
  func: Func
  line: number
  /** Program counter of the location the frame came from (0 when unknown). */
  address: number
}

export interface Sample {
  /** Leaf first: stack[0] is where the allocation (or block) happened. */
  stack: readonly Frame[]
  /** One value per sample type, in Profile.sampleTypes order. */
  values: readonly number[]
  labels: Readonly<Record<string, string>>
}

export interface Profile {
  sampleTypes: readonly ValueType[]
  samples: readonly Sample[]
  periodType?: ValueType
  period: number
  timeNanos: number
  durationNanos: number
  defaultSampleType?: string
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
}
