// Heap leaks: per allocation site, live bytes (inuse_space) against requests
// served; then the whole live heap, for leaks spread thinner than any one site.
import { formatBytesInText, formatCountInText } from '../model/format.js'
import { boundedGrowthHint, heapLeakHint, totalHeapHint } from './hints.js'
import { heapBySite, type HeapSiteInfo, type HeapTable, type HeapValues } from './sites.js'
import { evaluateTrend, type Trend } from './trend.js'
import type { AnalysisOptions, Finding, SideData, Site } from '../model/analysis.js'

/** A site must grow at least this much, whatever the sampling rate (with memprofilerate=1 every byte is seen). */
export const HEAP_MIN_GROWTH = 256 * 1024
/** The total is flagged only when the flagged sites explain less than this share of its growth. */
export const TOTAL_EXPLAINED_FRACTION = 0.5
export const TOTAL_KEY = '(live heap)'

export interface HeapAnalysis {
  table: HeapTable
  /** Trend of every site that moved at all, by site key; TOTAL_KEY for the whole heap. */
  trends: Map<string, Trend>
  findings: Finding[]
  total: Trend
  requests: number[]
}

export function heapLeakSummary(where: string, rate: number, growth: number, requests: number): string {
  return `${where} keeps ${formatBytesInText(rate)} per request alive: ${formatBytesInText(growth)} more over ${formatCountInText(requests)} requests, still there after the load stopped.`
}

export function heapMinGrowth(options: AnalysisOptions): number {
  return Math.max(options.memProfileRate, HEAP_MIN_GROWTH)
}

export function analyseHeap(side: SideData, options: AnalysisOptions): HeapAnalysis {
  const snaps = side.snapshots
  const n = snaps.length
  const table = heapBySite([...snaps.map((s) => s.heap), side.settled.heap], options.modulePath)
  const x = snaps.map((s) => s.requests)
  const trendOpts = {
    alpha: options.alpha,
    sampleBytes: options.memProfileRate,
    minGrowth: heapMinGrowth(options),
  }
  const trends = new Map<string, Trend>()
  const findings: Finding[] = []

  for (const [key, row] of table.series) {
    const y = row.slice(0, n).map((v) => v.inuseSpace)
    // A site that never moved by the smallest growth that counts cannot be flagged: skip the work.
    if (
      Math.max(...y) - Math.min(...y) < trendOpts.minGrowth &&
      row[n].inuseSpace - Math.min(...y) < trendOpts.minGrowth
    )
      continue
    const trend = evaluateTrend(x, y, row[n].inuseSpace, trendOpts)
    trends.set(key, trend)
    if (trend.verdict === 'none') continue
    findings.push(siteFinding(table.sites.get(key)!, row, x, trend, options))
  }

  // The whole live heap: a leak spread over many sites, or one below every site's floor.
  const totalY = table.totals.slice(0, n).map((v) => v.inuseSpace)
  const total = evaluateTrend(x, totalY, table.totals[n].inuseSpace, trendOpts)
  trends.set(TOTAL_KEY, total)
  const explained = findings
    .filter((f) => f.kind === 'heap-leak')
    .reduce((s, f) => s + Math.max(0, f.growth), 0)
  if (total.verdict === 'leak' && explained < TOTAL_EXPLAINED_FRACTION * total.growth) {
    findings.push(totalFinding(table, total, x, totalY, options))
  }
  return { table, trends, findings, total, requests: x }
}

/** One site's finding from its trend (a leak or bounded growth), with its summary, hint and details. */
function siteFinding(
  info: HeapSiteInfo,
  row: readonly HeapValues[],
  x: number[],
  trend: Trend,
  options: AnalysisOptions,
): Finding {
  const n = x.length
  const y = row.slice(0, n).map((v) => v.inuseSpace)
  const where = info.site.ownFrame?.function ?? info.site.function
  const common = {
    status: 'unknown' as const,
    site: info.site,
    unit: 'B/req',
    evidence: { requests: x, values: y, settled: row[n].inuseSpace, pValue: trend.pValue },
  }
  const details = trendDetails(trend, options)
  details.inuseObjectsStart = row[0].inuseObjects
  details.inuseObjectsEnd = row[n - 1].inuseObjects
  if (trend.verdict === 'leak') {
    const hint = heapLeakHint({
      where,
      functions: info.functions,
      inuseObjectsStart: row[0].inuseObjects,
      inuseObjectsEnd: row[n - 1].inuseObjects,
      inuseEnd: row[n - 1].inuseSpace,
      largestObjectStart: row[0].largestObject,
      largestObjectEnd: row[n - 1].largestObject,
    })
    return {
      kind: 'heap-leak',
      ...common,
      rate: trend.slope,
      growth: trend.growth,
      summary: heapLeakSummary(where, trend.slope, trend.growth, x[n - 1] - x[0]),
      hint: hint.hint,
      details: { ...details, hintRule: hint.rule },
    }
  } else {
    const plateau = Math.max(...y)
    const hint = boundedGrowthHint(where, plateau)
    return {
      kind: 'bounded-growth',
      ...common,
      rate: trend.slope,
      growth: y[n - 1] - y[0],
      summary: `${where} grew by ${formatBytesInText(y[n - 1] - y[0])}, then levelled off at about ${formatBytesInText(plateau)}.`,
      hint: hint.hint,
      details: { ...details, hintRule: hint.rule },
    }
  }
}

function trendDetails(t: Trend, options: AnalysisOptions): Record<string, string | number> {
  return {
    slopeLow: t.slopeLow,
    slopeHigh: t.slopeHigh,
    start: t.start,
    end: t.end,
    lateSlope: t.lateSlope,
    noiseFloor: t.noiseFloor,
    scatter: t.scatter,
    memProfileRate: options.memProfileRate,
    verdictReason: t.reason,
  }
}

/** Attributes the whole heap's growth to the sites whose live bytes grew the most. */
function totalFinding(
  table: HeapTable,
  total: Trend,
  x: number[],
  y: number[],
  options: AnalysisOptions,
): Finding {
  const n = x.length
  const shares = [...table.series]
    .map(([key, row]) => ({ key, growth: row[n - 1].inuseSpace - row[0].inuseSpace }))
    .filter((s) => s.growth > 0)
    .sort((a, b) => b.growth - a.growth)
  const rise = y[n - 1] - y[0]
  const top = shares.slice(0, 5)
  const contributors = top.map((s) => {
    const site = table.sites.get(s.key)!.site
    const name = site.ownFrame?.function ?? site.function
    return `${name} ${rise > 0 ? Math.round((100 * s.growth) / rise) : 0}%`
  })
  const lead =
    top[0] && rise > 0 && top[0].growth >= 0.5 * rise ? table.sites.get(top[0].key)!.site : undefined
  const site: Site = {
    key: TOTAL_KEY,
    function: '(whole live heap)',
    ownFrame: lead?.ownFrame,
    stack: lead?.stack ?? [],
  }
  const hint = totalHeapHint(contributors)
  return {
    kind: 'heap-leak',
    status: 'unknown',
    site,
    rate: total.slope,
    unit: 'B/req',
    growth: total.growth,
    summary: `The live heap grows by ${formatBytesInText(total.slope)} per request (${formatBytesInText(total.growth)} over ${formatCountInText(x[n - 1] - x[0])} requests) without one site standing out.`,
    hint: hint.hint,
    evidence: { requests: x, values: y, settled: table.totals[n].inuseSpace, pValue: total.pValue },
    details: { ...trendDetails(total, options), contributors: contributors.join(', '), hintRule: hint.rule },
  }
}
