// The analysis stage: pure, from both sides' decoded snapshots to findings,
// allocation changes and a verdict.
import { attributeHeapFindings } from './attribute.js'
import { analyseGoroutines, CONNECTION_KEY, type GoroutineAnalysis } from './goroutines.js'
import { analyseHeap, type HeapAnalysis } from './heap.js'
import { runNotes, sideNotes } from './notes.js'
import { analyseRegressions } from './regression.js'
import { analyseRss, type RssAnalysis } from './rss.js'
import { assignStatus, verdictOf, type BaseEvidence } from './status.js'
import { summarise } from './summary.js'
import type { Trend } from './trend.js'
import type { Analysis, AnalysisOptions, Finding, FindingKind, SideData } from './types.js'

interface SideAnalysis {
  heap: HeapAnalysis
  goroutines: GoroutineAnalysis
  rss: RssAnalysis
  findings: Finding[]
}

function analyseSide(side: SideData, options: AnalysisOptions): SideAnalysis {
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
  )
  const { findings } = attributeHeapFindings(
    [...heap.findings, ...goroutines.findings, ...(rss.finding ? [rss.finding] : [])],
    heap.table.sites,
  )
  return { heap, goroutines, rss, findings }
}

function baseEvidence(base: SideAnalysis): BaseEvidence {
  return {
    findings: base.findings,
    trend(kind: FindingKind, key: string): Trend | undefined {
      switch (kind) {
        case 'heap-leak':
        case 'bounded-growth':
          return base.heap.trends.get(key)
        case 'goroutine-leak':
          return base.goroutines.trends.get(key)
        case 'connection-leak':
          return base.goroutines.trends.get(CONNECTION_KEY)
        case 'rss-growth':
          return base.rss.trend
        default:
          return undefined
      }
    },
  }
}

const KIND_ORDER: FindingKind[] = [
  'crash',
  'connection-leak',
  'goroutine-leak',
  'heap-leak',
  'rss-growth',
  'bounded-growth',
]
const STATUS_ORDER = ['new', 'worsened', 'unknown', 'pre-existing']

/**
 * Analyses head (and base, when measured). Findings are head's: leaks first
 * (new before pre-existing), bounded growth last as information.
 */
export function analyse(head: SideData, base: SideData | undefined, options: AnalysisOptions): Analysis {
  const h = analyseSide(head, options)
  const b = base ? analyseSide(base, options) : undefined
  assignStatus(h.findings, b ? baseEvidence(b) : undefined)
  const findings = [...h.findings].sort(
    (x, y) =>
      Number(x.kind === 'bounded-growth') - Number(y.kind === 'bounded-growth') ||
      STATUS_ORDER.indexOf(x.status) - STATUS_ORDER.indexOf(y.status) ||
      KIND_ORDER.indexOf(x.kind) - KIND_ORDER.indexOf(y.kind) ||
      y.growth - x.growth,
  )

  const regressions = analyseRegressions(
    { table: h.heap.table, requests: h.heap.requests },
    b && base ? { table: b.heap.table, requests: b.heap.requests } : undefined,
    options,
  )
  const total = regressions.total
  const regression = !!base && total.significant && total.change >= options.regressionThreshold

  const notes = [
    ...sideNotes(head, options),
    ...(base ? sideNotes(base, options) : []),
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
    growing: regressions.growing,
    improved: regressions.improved,
    topAllocators: regressions.topAllocators,
    notes,
  }
}
