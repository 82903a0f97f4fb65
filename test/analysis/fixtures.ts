// Synthetic sides for the analysis tests: Profiles built directly (no decoder),
// with the heap sampling noise Go's profiler really has. Every sampled object
// stands for MemProfileRate bytes, so a site's estimate moves in steps of that
// size: retained bytes accumulate samples (a counting process that never goes
// down), churned live bytes are redrawn at every snapshot.
import type { LoadStats } from '../../src/model/sides.js'
import type { DecodedSnapshot, SideData } from '../../src/model/analysis.js'
import type { Frame, GoroutineRecord, MemStats, Profile, Sample } from '../../src/model/profile.js'
import { normal, poisson, rng } from './random.js'

export const KiB = 1024
export const MiB = 1024 * 1024
export const DEFAULT_RATE = 512 * KiB
export const MODULE = 'github.com/acme/svc'

/** "name" or "name:line"; own functions get a file under the module, others a GOROOT-ish path. */
export function frame(spec: string): Frame {
  const m = /^(.*?)(?::(\d+))?$/.exec(spec)!
  const name = m[1]
  const line = m[2] ? Number(m[2]) : 10
  const pkg = name.replace(/\.[^/]*$/, '')
  const filename = name.startsWith('main.')
    ? `${MODULE}/main.go`
    : name.startsWith(MODULE)
      ? `${pkg}/file.go`
      : `/usr/local/go/src/${pkg}/x.go`
  return { func: { name, systemName: name, filename, startLine: 1 }, line, address: 0 }
}

export const stackOf = (names: readonly string[]): Frame[] => names.map(frame)

export interface HeapRecord {
  stack: readonly string[]
  inuse: number
  alloc: number
  inuseObjects?: number
  allocObjects?: number
}

export function heapProfile(records: readonly HeapRecord[]): Profile {
  const samples: Sample[] = records.map((r) => ({
    stack: stackOf(r.stack),
    values: [
      r.allocObjects ?? Math.round(r.alloc / 64),
      r.alloc,
      r.inuseObjects ?? Math.round(r.inuse / 64),
      r.inuse,
    ],
    labels: {},
  }))
  return {
    sampleTypes: [
      { type: 'alloc_objects', unit: 'count' },
      { type: 'alloc_space', unit: 'bytes' },
      { type: 'inuse_objects', unit: 'count' },
      { type: 'inuse_space', unit: 'bytes' },
    ],
    samples,
    periodType: { type: 'space', unit: 'bytes' },
    period: DEFAULT_RATE,
    timeNanos: 0,
    durationNanos: 0,
    defaultSampleType: 'inuse_space',
  }
}

export function goroutineProfile(records: readonly { stack: readonly string[]; count: number }[]): Profile {
  return {
    sampleTypes: [{ type: 'goroutine', unit: 'count' }],
    samples: records
      .filter((r) => r.count > 0)
      .map((r) => ({ stack: stackOf(r.stack), values: [r.count], labels: {} })),
    periodType: { type: 'goroutine', unit: 'count' },
    period: 1,
    timeNanos: 0,
    durationNanos: 0,
  }
}

// ------------------------------------------------------------------ a whole side

export interface HeapSiteSpec {
  stack: readonly string[]
  /** Bytes retained for good per request (a leak). */
  retainPerReq?: number
  /** Retention stops once this many bytes are held (a cache that fills, then plateaus). */
  retainCap?: number
  /** Retained bytes are freed once the load stops (e.g. held by in-flight connections). */
  releaseAtSettle?: boolean
  /** Steady live bytes that are replaced all the time (in-flight buffers, a bounded cache with eviction). */
  live?: number
  /** Live bytes left at Sf (default 0: in-flight data goes away with the load). */
  liveAtSettle?: number
  /** Bytes allocated per request (alloc_space), retained or not. */
  allocPerReq?: number
  /** Bytes per object, for the *_objects values (default 64). */
  objectSize?: number
}

export interface GoroutineSpec {
  stack: readonly string[]
  start: number
  perReq?: number
  /** Stops growing at this count. */
  cap?: number
  /** +- this many goroutines of jitter per snapshot (in-flight work). */
  jitter?: number
  /** Count at Sf; default: the last in-run count (leaked goroutines stay). */
  settled?: number
  /** For the goroutine dump. */
  state?: string
  createdBy?: string
}

export interface SideSpec {
  seed?: number
  side?: 'base' | 'head'
  /** Points S0..Sn: n + 1. */
  points?: number
  /** Requests served during warmup, before S0. */
  warmupRequests?: number
  requestsPerWindow?: number
  /** Relative jitter of requests per window (throughput wobble). */
  requestJitter?: number
  /** MemProfileRate; 0 = exact values (no sampling noise). */
  rate?: number
  sites?: readonly HeapSiteSpec[]
  goroutines?: readonly GoroutineSpec[]
  fds?: { start: number; perReq?: number; jitter?: number; settled?: number }
  rss?: { start: number; perReq?: number; jitter?: number }
  /** MemStats per point, i in 0..n, 'settled' for Sf. */
  memstats?: (i: number | 'settled') => Partial<MemStats>
  errors?: number
  goroutineLeakStacks?: readonly (readonly string[])[]
  runtimeEnv?: Record<string, string>
}

export function loadStats(requests: number, errors = 0): LoadStats {
  return {
    requests,
    errors,
    durationMs: 60_000,
    requestsPerSecond: requests / 60,
    latencyMs: { p50: 1, p90: 2, p99: 5, max: 20 },
    statusCounts: { '200': requests - errors, ...(errors ? { '500': errors } : {}) },
    errorSamples: errors ? ['500 Internal Server Error'] : [],
  }
}

export function simulateSide(spec: SideSpec): SideData {
  const rand = rng(spec.seed ?? 1)
  const points = spec.points ?? 7
  const rate = spec.rate ?? DEFAULT_RATE
  const perWindow = spec.requestsPerWindow ?? 15_000
  const warm = spec.warmupRequests ?? perWindow
  const requests: number[] = [warm]
  for (let i = 1; i < points; i++) {
    const jitter = 1 + (spec.requestJitter ?? 0.03) * (rand() * 2 - 1)
    requests.push(requests[i - 1] + Math.round(perWindow * jitter))
  }
  const sample = (bytes: number) => (rate > 0 ? poisson(rand, bytes / rate) * rate : bytes)
  const sites = spec.sites ?? []
  // Per site: retained and allocated bytes so far (sampled as counting processes).
  const retained = sites.map(() => 0)
  const retainedTrue = sites.map(() => 0)
  const allocated = sites.map(() => 0)
  const heapAt: HeapRecord[][] = []
  let prevReq = 0
  for (let i = 0; i < points; i++) {
    const dReq = requests[i] - prevReq
    prevReq = requests[i]
    const recs: HeapRecord[] = []
    sites.forEach((s, k) => {
      const size = s.objectSize ?? 64
      let add = (s.retainPerReq ?? 0) * dReq
      if (s.retainCap !== undefined) add = Math.max(0, Math.min(add, s.retainCap - retainedTrue[k]))
      retainedTrue[k] += add
      retained[k] += sample(add)
      allocated[k] += sample((s.allocPerReq ?? 0) * dReq)
      const inuse = retained[k] + sample(s.live ?? 0)
      recs.push({
        stack: s.stack,
        inuse,
        alloc: allocated[k],
        inuseObjects: Math.round(inuse / size),
        allocObjects: Math.round(allocated[k] / size),
      })
    })
    heapAt.push(recs)
  }
  const settledHeap: HeapRecord[] = sites.map((s, k) => {
    const size = s.objectSize ?? 64
    const inuse = (s.releaseAtSettle ? 0 : retained[k]) + sample(s.liveAtSettle ?? 0)
    return {
      stack: s.stack,
      inuse,
      alloc: allocated[k],
      inuseObjects: Math.round(inuse / size),
      allocObjects: Math.round(allocated[k] / size),
    }
  })

  const gspecs = spec.goroutines ?? []
  const gCount = (g: GoroutineSpec, i: number) => {
    let c = g.start + Math.floor((g.perReq ?? 0) * (requests[i] - requests[0]))
    if (g.cap !== undefined) c = Math.min(c, g.cap)
    if (g.jitter) c += Math.round(g.jitter * (rand() * 2 - 1))
    return Math.max(0, c)
  }
  const gAt = requests.map((_, i) => gspecs.map((g) => gCount(g, i)))
  const gSettled = gspecs.map((g, k) => g.settled ?? gAt[points - 1][k])

  const fdAt = requests.map((r) =>
    spec.fds
      ? Math.round(
          spec.fds.start +
            (spec.fds.perReq ?? 0) * (r - requests[0]) +
            (spec.fds.jitter ?? 0) * (rand() * 2 - 1),
        )
      : undefined,
  )
  const rssAt = requests.map((r) =>
    spec.rss
      ? spec.rss.start + (spec.rss.perReq ?? 0) * (r - requests[0]) + (spec.rss.jitter ?? 0) * normal(rand)
      : undefined,
  )
  const ms = (i: number | 'settled'): MemStats | undefined => {
    if (!spec.memstats) return undefined
    return { raw: {}, ...spec.memstats(i) }
  }
  const errorsTotal = spec.errors ?? 0
  const snapshots: DecodedSnapshot[] = requests.map((r, i) => ({
    label: `S${i}`,
    elapsedMs: i * 10_000,
    requests: r,
    errors: Math.round((errorsTotal * i) / Math.max(1, points - 1)),
    heap: heapProfile(heapAt[i]),
    goroutines: gspecs.length
      ? goroutineProfile(gspecs.map((g, k) => ({ stack: g.stack, count: gAt[i][k] })))
      : undefined,
    memstats: ms(i),
    rssBytes: rssAt[i],
    openFds: fdAt[i],
  }))
  const last = requests[points - 1]
  const settled: DecodedSnapshot = {
    label: 'Sf',
    elapsedMs: points * 10_000 + 5_000,
    requests: last,
    errors: errorsTotal,
    heap: heapProfile(settledHeap),
    goroutines: gspecs.length
      ? goroutineProfile(gspecs.map((g, k) => ({ stack: g.stack, count: gSettled[k] })))
      : undefined,
    memstats: ms('settled'),
    rssBytes: rssAt[points - 1],
    openFds: spec.fds ? (spec.fds.settled ?? fdAt[points - 1]) : undefined,
  }
  const goroutineDump: GoroutineRecord[] = []
  let id = 1
  gspecs.forEach((g, k) => {
    for (let j = 0; j < Math.min(3, gAt[points - 1][k]); j++) {
      goroutineDump.push({
        id: id++,
        state: g.state ?? 'running',
        frames: g.stack
          .filter((n) => !n.startsWith('runtime.'))
          .map((n) => {
            const f = frame(n)
            return { func: f.func.name, file: f.func.filename, line: f.line }
          }),
        createdBy: g.createdBy
          ? { func: g.createdBy, file: frame(g.createdBy).func.filename, line: 20, goroutine: 1 }
          : undefined,
      })
    }
  })
  return {
    side: spec.side ?? 'head',
    snapshots,
    settled,
    load: loadStats(last - warm, errorsTotal),
    goroutineDump: gspecs.length ? goroutineDump : undefined,
    goroutineLeak: spec.goroutineLeakStacks
      ? goroutineProfile(spec.goroutineLeakStacks.map((stack) => ({ stack, count: 3 })))
      : undefined,
    runtimeEnv: spec.runtimeEnv ?? {},
  }
}

/** Stacks a typical Go HTTP service shows, leaf first. */
export const STACKS = {
  handlerBuffer: [
    'bytes.growSlice',
    'bytes.(*Buffer).grow',
    'encoding/json.(*encodeState).marshal',
    'main.handleTime',
    'net/http.HandlerFunc.ServeHTTP',
  ],
  connServe: ['bufio.NewReaderSize', 'net/http.(*conn).serve'],
  cacheLeak: [
    `${MODULE}/internal/cache.(*Cache).Put`,
    'main.handleUsers',
    'net/http.HandlerFunc.ServeHTTP',
    'net/http.(*conn).serve',
  ],
  sliceLeak: ['main.record', 'main.handleTime', 'net/http.HandlerFunc.ServeHTTP', 'net/http.(*conn).serve'],
  chanSend: ['runtime.gopark', 'runtime.chansend', 'runtime.chansend1', 'main.notify.func1'],
  selectWait: ['runtime.gopark', 'runtime.selectgo', 'main.worker'],
  serveConn: [
    'runtime.gopark',
    'runtime.netpollblock',
    'internal/poll.runtime_pollWait',
    'internal/poll.(*pollDesc).wait',
    'internal/poll.(*FD).Read',
    'net.(*conn).Read',
    'net/http.(*connReader).Read',
    'bufio.(*Reader).fill',
    'net/http.(*conn).serve',
  ],
  readLoop: ['runtime.gopark', 'runtime.selectgo', 'net/http.(*persistConn).readLoop'],
  writeLoop: ['runtime.gopark', 'runtime.selectgo', 'net/http.(*persistConn).writeLoop'],
  clientDo: [
    'net/http.(*persistConn).roundTrip',
    'net/http.(*Transport).roundTrip',
    'net/http.(*Transport).RoundTrip',
    'net/http.send',
    'net/http.(*Client).send',
    'net/http.(*Client).do',
    'net/http.(*Client).Do',
    'net/http.(*Client).Get',
    'net/http.Get',
    'main.fetchUpstream',
    'main.handleProxy',
    'net/http.HandlerFunc.ServeHTTP',
  ],
  dialConn: ['bufio.NewReaderSize', 'net/http.(*Transport).dialConn', 'net/http.(*Transport).dialConnFor'],
} as const

/** A side from hand-made heap profiles S0..Sn and Sf (requests per snapshot given). */
export function sideFromHeaps(
  requests: readonly number[],
  heaps: readonly Profile[],
  settled: Profile,
): SideData {
  const snapshots: DecodedSnapshot[] = requests.map((r, i) => ({
    label: `S${i}`,
    elapsedMs: i * 10_000,
    requests: r,
    errors: 0,
    heap: heaps[i],
  }))
  const last = requests[requests.length - 1]
  return {
    side: 'head',
    snapshots,
    settled: { label: 'Sf', elapsedMs: requests.length * 10_000, requests: last, errors: 0, heap: settled },
    load: loadStats(last - requests[0]),
    runtimeEnv: {},
  }
}
