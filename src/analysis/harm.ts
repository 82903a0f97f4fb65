// What a cause costs: the memory it adds per request, wherever that memory sits.
// A goroutine leak's sampled heap is a few hundred bytes per goroutine, but each
// parked goroutine also holds a stack the heap profile never sees; a leaked
// client connection parks two. Findings are ranked by this, so the headline names
// the cause that takes the runner down first, not the one with the most heap samples.
import { TOTAL_KEY } from './heap.js'
import type { Finding, SideData } from '../model/analysis.js'

/** Go's smallest goroutine stack: what a parked goroutine holds at the least. */
export const MIN_GOROUTINE_STACK = 2048
/** Below this many new goroutines the stack-per-goroutine estimate is noise. */
const MIN_GOROUTINES_FOR_ESTIMATE = 100

/** Stack bytes per added goroutine over the run (StackInuse growth / goroutine growth), else Go's minimum. */
export function stackBytesPerGoroutine(side: SideData): number {
  const snaps = side.snapshots
  const first = snaps[0]
  const last = snaps[snaps.length - 1]
  const count = (s: typeof first | undefined) =>
    s?.goroutines?.samples.reduce((sum, x) => sum + (x.values[0] ?? 0), 0)
  const g0 = count(first)
  const g1 = count(last)
  const s0 = first?.memstats?.stackInuse
  const s1 = last?.memstats?.stackInuse
  if (g0 === undefined || g1 === undefined || s0 === undefined || s1 === undefined) return MIN_GOROUTINE_STACK
  if (g1 - g0 < MIN_GOROUTINES_FOR_ESTIMATE || s1 <= s0) return MIN_GOROUTINE_STACK
  return Math.max(MIN_GOROUTINE_STACK, (s1 - s0) / (g1 - g0))
}

/** Goroutines parked per unit of a finding's rate. */
export function goroutinesPerUnit(f: Finding): number {
  if (f.kind === 'goroutine-leak') return 1
  if (f.kind === 'connection-leak') {
    // A client connection's read and write loops, plus its server end when the service calls itself.
    const serverEnd = typeof f.details.serverEndGoroutines === 'number' ? f.details.serverEndGoroutines : 0
    return 2 + (f.rate > 0 ? serverEnd / f.rate : 0)
  }
  return 0
}

/** Bytes per request a finding's cause adds: heap it retains, stacks it parks, RSS it grows. */
export function harmPerRequest(f: Finding, stackBytes: number): number {
  switch (f.kind) {
    case 'heap-leak':
    case 'rss-growth':
      return Math.max(0, f.rate)
    case 'goroutine-leak':
    case 'connection-leak': {
      const heap = typeof f.details.heapRetainedPerRequest === 'number' ? f.details.heapRetainedPerRequest : 0
      return Math.max(0, f.rate) * goroutinesPerUnit(f) * stackBytes + Math.max(0, heap)
    }
    default:
      return 0
  }
}

/** Each finding with its harm in details (harmPerRequest, B/req), for ranking and the report. */
export function withHarm(findings: readonly Finding[], side: SideData): Finding[] {
  const stackBytes = stackBytesPerGoroutine(side)
  return findings.map((f) => {
    const harm = harmPerRequest(f, stackBytes)
    if (harm <= 0) return f
    const details: Finding['details'] = { ...f.details, harmPerRequest: harm }
    if (f.kind === 'goroutine-leak' || f.kind === 'connection-leak') {
      details.stackBytesPerGoroutine = stackBytes
      details.stackBytesPerRequest = Math.max(0, f.rate) * goroutinesPerUnit(f) * stackBytes
    }
    return { ...f, details }
  })
}

/** Harm recorded by withHarm, 0 where there is none. */
export function harmOf(f: Finding): number {
  return typeof f.details.harmPerRequest === 'number' ? f.details.harmPerRequest : 0
}

/**
 * The same cause seen twice more: a goroutine or connection leak grows RSS by its stacks
 * (the RSS finding's "stacks" rule says so) and the whole live heap by what its goroutines
 * keep. When such an owner explains at least half of that growth, the RSS and whole-heap
 * findings fold into it; what RSS grew by stays visible there, and counts in its harm.
 */
export function foldIntoOwner(findings: readonly Finding[]): Finding[] {
  const owners = findings
    .filter((f) => f.kind === 'goroutine-leak' || f.kind === 'connection-leak')
    .sort((a, b) => harmOf(b) - harmOf(a))
  const owner = owners[0]
  if (!owner) return [...findings]
  // What the owner's sites retain: the significant ones it absorbed, or every site it explains.
  const heapOf = (f: Finding) =>
    Math.max(
      0,
      ...[f.details.heapRetainedPerRequest, f.details.heapExplainedPerRequest].filter(
        (v): v is number => typeof v === 'number',
      ),
    )
  const folded = new Set<Finding>()
  const details = { ...owner.details }
  for (const f of findings) {
    if (f.kind === 'rss-growth' && (f.details.hintRule === 'stacks' || harmOf(owner) >= 0.5 * f.rate)) {
      folded.add(f)
      details.rssPerRequest = f.rate
      details.harmPerRequest = Math.max(harmOf(owner), f.rate)
    } else if (f.kind === 'heap-leak' && f.site.key === TOTAL_KEY && heapOf(owner) >= 0.5 * f.rate) {
      folded.add(f)
      details.liveHeapPerRequest = f.rate
    }
  }
  if (folded.size === 0) return [...findings]
  return findings.filter((f) => !folded.has(f)).map((f) => (f === owner ? { ...owner, details } : f))
}
