// Allocation sites: heap samples grouped by (allocating function, first frame of
// the service's own module). Keys use function names only, so a line that moved
// between base and head still matches; the file:line shown comes from the profile.
import type { Frame, Profile, Sample } from '../model/profile.js'
import type { Site, SourceFrame } from '../model/analysis.js'

export const MAX_STACK_FRAMES = 32

/** A frame of the service's own module: main, or under the module path from go.mod. */
export function isOwnFunction(name: string, modulePath: string): boolean {
  if (name.startsWith('main.')) return true
  if (!modulePath) return false
  return name.startsWith(modulePath + '.') || name.startsWith(modulePath + '/')
}

export function isRuntimeFunction(name: string): boolean {
  return name.startsWith('runtime.') || name.startsWith('internal/runtime/')
}

/**
 * Go's allocator entry points, when the profile records them above the code that
 * allocated (goroutine descriptors made on the system stack do): never the site.
 */
const MALLOC_ENTRY = /^runtime\.(mallocgc\w*|newobject|newarray)$/

/** The profiler's own work: net/http/pprof serving our scrapes allocates, and grows with what it dumps. */
const PROFILER = /^(runtime\/pprof|net\/http\/pprof)\./

/** The stack from the function that asked for the memory, allocator entry frames dropped. */
export function allocationStack(stack: readonly Frame[]): readonly Frame[] {
  let i = 0
  while (i < stack.length - 1 && MALLOC_ENTRY.test(stack[i].func.name)) i++
  return i === 0 ? stack : stack.slice(i)
}

/** Whether a heap sample is the measurement's own allocation (serving a profile), not the service's. */
export function isProfilerSample(stack: readonly Frame[]): boolean {
  return stack.some((f) => PROFILER.test(f.func.name))
}

export function frameText(f: Frame): string {
  return `${f.func.name} ${f.func.filename}:${f.line}`
}

export function sourceFrame(f: Frame): SourceFrame {
  return { function: f.func.name, file: f.func.filename, line: f.line }
}

export function firstOwnFrame(stack: readonly Frame[], modulePath: string): Frame | undefined {
  return stack.find((f) => isOwnFunction(f.func.name, modulePath))
}

/** "leaf < own" (or just the leaf when the leaf is the own frame or there is none). */
export function heapSiteKey(stack: readonly Frame[], modulePath: string): string {
  if (stack.length === 0) return '(no stack)'
  const leaf = stack[0].func.name
  const own = firstOwnFrame(stack, modulePath)
  return own && own.func.name !== leaf ? `${leaf} < ${own.func.name}` : leaf
}

export function makeSite(key: string, fn: string, stack: readonly Frame[], modulePath: string): Site {
  const own = firstOwnFrame(stack, modulePath)
  return {
    key,
    function: fn,
    ownFrame: own ? sourceFrame(own) : undefined,
    stack: stack.slice(0, MAX_STACK_FRAMES).map(frameText),
  }
}

/** Index of a sample type by name, -1 when the profile lacks it. */
export function valueIndex(profile: Profile | undefined, type: string): number {
  if (!profile) return -1
  return profile.sampleTypes.findIndex((t) => t.type === type)
}

export interface HeapValues {
  inuseSpace: number
  inuseObjects: number
  allocSpace: number
  allocObjects: number
  /** Largest single object among the site's live samples (Go keys heap samples by stack and size). */
  largestObject: number
}

export const zeroHeapValues = (): HeapValues => ({
  inuseSpace: 0,
  inuseObjects: 0,
  allocSpace: 0,
  allocObjects: 0,
  largestObject: 0,
})

export interface HeapSiteInfo {
  site: Site
  /** Every function seen on any of the site's stacks (for the hint rules). */
  functions: Set<string>
  /** Stacks of the site's samples, leaf first, for the rules that look at callers. */
  stacks: (readonly Frame[])[]
}

export interface HeapTable {
  sites: Map<string, HeapSiteInfo>
  /** series.get(key)[i]: the site's values in profile i (zeros where absent). */
  series: Map<string, HeapValues[]>
  /** Whole process, per profile. */
  totals: HeapValues[]
}

function heapValues(profile: Profile): (s: Sample) => HeapValues {
  const iIS = valueIndex(profile, 'inuse_space')
  const iIO = valueIndex(profile, 'inuse_objects')
  const iAS = valueIndex(profile, 'alloc_space')
  const iAO = valueIndex(profile, 'alloc_objects')
  const at = (s: Sample, i: number) => (i >= 0 ? (s.values[i] ?? 0) : 0)
  return (s) => {
    const inuseSpace = at(s, iIS)
    const inuseObjects = at(s, iIO)
    return {
      inuseSpace,
      inuseObjects,
      allocSpace: at(s, iAS),
      allocObjects: at(s, iAO),
      largestObject: inuseObjects > 0 ? inuseSpace / inuseObjects : 0,
    }
  }
}

/**
 * Aggregates heap profiles (in snapshot order) by site. The site's representative
 * stack (what the report shows) is its sample with the most live bytes in the
 * latest profile where it is live, else the most allocated bytes.
 */
export function heapBySite(profiles: readonly Profile[], modulePath: string): HeapTable {
  const sites = new Map<string, HeapSiteInfo>()
  const series = new Map<string, HeapValues[]>()
  const totals: HeapValues[] = []
  const best = new Map<string, { rank: [number, number, number]; stack: readonly Frame[] }>()
  profiles.forEach((profile, pi) => {
    const read = heapValues(profile)
    const total = zeroHeapValues()
    for (const sample of profile.samples) {
      // A decoded sample builds its stack on each read: read it once.
      const raw = sample.stack
      // Serving our own scrapes is not the service's allocation (it scales with what is dumped).
      if (isProfilerSample(raw)) continue
      const stack = allocationStack(raw)
      const v = read(sample)
      const key = heapSiteKey(stack, modulePath)
      let row = series.get(key)
      if (!row) {
        row = profiles.map(zeroHeapValues)
        series.set(key, row)
        sites.set(key, {
          site: makeSite(key, stack[0]?.func.name ?? '(no stack)', [], modulePath),
          functions: new Set(),
          stacks: [],
        })
      }
      const cell = row[pi]
      cell.inuseSpace += v.inuseSpace
      cell.inuseObjects += v.inuseObjects
      cell.allocSpace += v.allocSpace
      cell.allocObjects += v.allocObjects
      cell.largestObject = Math.max(cell.largestObject, v.largestObject)
      total.inuseSpace += v.inuseSpace
      total.inuseObjects += v.inuseObjects
      total.allocSpace += v.allocSpace
      total.allocObjects += v.allocObjects
      total.largestObject = Math.max(total.largestObject, v.largestObject)
      const info = sites.get(key)!
      for (const f of stack) info.functions.add(f.func.name)
      if (info.stacks.length < 64) info.stacks.push(stack)
      // Later profiles win; within one, live bytes beat allocated bytes.
      const rank: [number, number, number] = [
        pi,
        v.inuseSpace > 0 ? 1 : 0,
        v.inuseSpace > 0 ? v.inuseSpace : v.allocSpace,
      ]
      const prev = best.get(key)
      if (!prev || compareRank(rank, prev.rank) > 0) best.set(key, { rank, stack })
    }
    totals.push(total)
  })
  for (const [key, { stack }] of best) {
    const info = sites.get(key)!
    info.site = makeSite(key, stack[0]?.func.name ?? '(no stack)', stack, modulePath)
  }
  return { sites, series, totals }
}

function compareRank(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}
