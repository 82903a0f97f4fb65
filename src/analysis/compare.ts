// The analysis stage: pure, from both sides' decoded snapshots to findings,
// allocation changes and a verdict.
import { attributeHeapFindings } from './attribute.js'
import { budgetFinding } from './budget.js'
import { isLeakKind } from '../model/finding-kinds.js'
import { analyseGoroutines, type GoroutineAnalysis } from './goroutines.js'
import { CONNECTION_KEY } from './connections.js'
import { analyseHeap, heapMinGrowth, type HeapAnalysis } from './heap.js'
import { runNotes, sideNotes } from './notes.js'
import { analyseRegressions } from './regression.js'
import { analyseRss, type RssAnalysis } from './rss.js'
import { assignStatus, verdictOf, type BaseEvidence } from './status.js'
import { summarise } from './side-summary.js'
import type { Trend } from './trend.js'
import { fixedLeaks } from './fixed.js'
import { foldIntoOwner, harmOf, withHarm } from './harm.js'
import type {
  Analysis,
  AnalysisOptions,
  Finding,
  FindingKind,
  FixedLeak,
  SideData,
} from '../model/analysis.js'

/** A fixed leak's harm on base, where it was measured. */
function harmOfFixed(f: FixedLeak, base: SideAnalysis): number {
  const was = base.findings.find((b) => b.kind === f.kind && b.site.key === f.site.key)
  return was ? harmOf(was) : 0
}

interface SideAnalysis {
  heap: HeapAnalysis
  goroutines: GoroutineAnalysis
  rss: RssAnalysis
  findings: Finding[]
}

function analyseSide(side: SideData, options: AnalysisOptions, other?: SideData): SideAnalysis {
  const heap = analyseHeap(side, options)
  const goroutines = analyseGoroutines(side, options)
  const n = side.snapshots.length
  const gTotal = (i: number) =>
    side.snapshots[i]?.goroutines?.samples.reduce((s, x) => s + (x.values[0] ?? 0), 0) ?? undefined
  const g0 = gTotal(0)
  const g1 = gTotal(n - 1)
  const rss = analyseRss(
    side,
    options,
    heap.total,
    g0 !== undefined && g1 !== undefined ? g1 - g0 : undefined,
    other?.cpu,
  )
  const { findings: attributed } = attributeHeapFindings(
    [...heap.findings, ...goroutines.findings, ...(rss.finding ? [rss.finding] : [])],
    heap,
    { alpha: options.alpha, sampleBytes: options.memProfileRate, minGrowth: heapMinGrowth(options) },
  )
  const findings = foldIntoOwner(withHarm(attributed, side))
  // Stopped at its memory budget before any leak could be certain: still a leak.
  const budget =
    side.budgetStop && !findings.some((f) => isLeakKind(f.kind))
      ? budgetFinding(
          heap.table,
          side.snapshots.map((s) => s.requests),
          side.budgetStop,
        )
      : undefined
  return { heap, goroutines, rss, findings: budget ? [budget, ...findings] : findings }
}

/** The options a side's trends are tested with: at what its looks left of alpha when it stopped early. */
function trendOptions(side: SideData, options: AnalysisOptions): AnalysisOptions {
  return side.trendAlpha === undefined ? options : { ...options, alpha: side.trendAlpha }
}

/** A side's findings and its trend at any site, by kind: for comparing against the other side. */
function evidenceOf(side: SideAnalysis): BaseEvidence {
  return {
    findings: side.findings,
    trend(kind: FindingKind, key: string): Trend | undefined {
      switch (kind) {
        case 'heap-leak':
        case 'bounded-growth':
          return side.heap.trends.get(key)
        case 'goroutine-leak':
          return side.goroutines.trends.get(key)
        case 'connection-leak':
          return side.goroutines.trends.get(CONNECTION_KEY)
        case 'rss-growth':
          return side.rss.trend
        default:
          return undefined
      }
    },
  }
}

const STATUS_ORDER = ['new', 'worsened', 'unknown', 'pre-existing']

/**
 * Analyses head (and base, when measured). Findings are head's: leaks first (new
 * before pre-existing, then by the memory each cause adds per request), bounded
 * growth last as information.
 */
export function compareSides(head: SideData, base: SideData | undefined, options: AnalysisOptions): Analysis {
  const h = analyseSide(head, trendOptions(head, options), base)
  const b = base ? analyseSide(base, trendOptions(base, options), head) : undefined
  assignStatus(h.findings, b ? evidenceOf(b) : undefined)
  const findings = [...h.findings].sort(
    (x, y) =>
      Number(x.kind === 'bounded-growth') - Number(y.kind === 'bounded-growth') ||
      STATUS_ORDER.indexOf(x.status) - STATUS_ORDER.indexOf(y.status) ||
      harmOf(y) - harmOf(x) ||
      y.growth - x.growth,
  )
  const fixed = b
    ? fixedLeaks(b.findings, evidenceOf(h)).sort((x, y) => harmOfFixed(y, b) - harmOfFixed(x, b))
    : []

  const regressions = analyseRegressions(
    { table: h.heap.table, requests: h.heap.requests },
    b && base ? { table: b.heap.table, requests: b.heap.requests } : undefined,
    options,
  )
  const total = regressions.total
  const regression = !!base && total.significant && total.change >= options.regressionThreshold

  const notes = [
    ...sideNotes(head, trendOptions(head, options)),
    ...(base ? sideNotes(base, trendOptions(base, options)) : []),
    ...runNotes(head, base, options, regressions),
  ]
  for (const stack of h.goroutines.unconfirmedLeakProfileStacks.slice(0, 3)) {
    notes.push(
      `The goroutineleak profile reports leaked goroutines whose count did not grow with requests: ${stack}`,
    )
  }

  return {
    verdict: verdictOf(findings, regression),
    findings,
    base: b && base ? summarise(base, b.heap, regressions.total.base!) : undefined,
    head: summarise(head, h.heap, total.head),
    total,
    ...(fixed.length ? { fixed } : {}),
    growing: regressions.growing,
    improved: regressions.improved,
    topAllocators: regressions.topAllocators,
    notes,
  }
}
