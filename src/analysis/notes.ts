// What the reader should know that is not a finding: a run that cannot reach
// significance, coarse sampling, missing profiles. Failed requests, a load that
// got no answer and a stall are the capture's to word (SideMeasurement.problems,
// which the pipeline adds to the notes): said here too, they were said twice.
import { formatBytesInText, formatCountInText, formatPercent } from '../model/format.js'
import { heapMinGrowth } from './heap.js'
import type { RegressionResult } from './regression.js'
import { mannWhitneyMinP } from './rank-tests.js'
import { growthSdFactor, Z_SAMPLING } from './trend.js'
import type { AnalysisOptions, SideData } from '../model/analysis.js'

/** Fewer requests than this in one window make its per-request numbers coarse. */
export const MIN_REQUESTS_PER_WINDOW = 200
/** Fewer heap samples than this per window make allocation rates coarse. */
export const MIN_SAMPLES_PER_WINDOW = 20

function factorial(n: number): number {
  let f = 1
  for (let i = 2; i <= n; i++) f *= i
  return f
}

/** Smallest growth from zero a heap site needs to clear the sampling floor over n snapshots. */
export function smallestDetectableHeapGrowth(points: number, options: AnalysisOptions): number {
  const k = Z_SAMPLING * growthSdFactor(points)
  // growth > k * sqrt(rate * growth / 2)  <=>  growth > k^2 * rate / 2
  return Math.max(heapMinGrowth(options), (k * k * options.memProfileRate) / 2)
}

export function sideNotes(side: SideData, options: AnalysisOptions): string[] {
  const notes: string[] = []
  const name = side.side
  const snaps = side.snapshots
  const n = snaps.length
  const minTrendP = 1 / factorial(n)
  if (n < 3 || minTrendP >= options.alpha) {
    notes.push(
      `${name}: ${n} snapshots cannot show a significant trend (the smallest possible p is ${minTrendP.toPrecision(2)} >= ${options.alpha}); use more snapshots.`,
    )
  }
  const perWindow = snaps.slice(1).map((s, i) => s.requests - snaps[i].requests)
  const fewest = perWindow.length ? Math.min(...perWindow) : 0
  if (perWindow.length && fewest > 0 && fewest < MIN_REQUESTS_PER_WINDOW) {
    notes.push(
      `${name}: only ${fewest} requests in the thinnest window between snapshots; per-request rates are coarse (longer duration or fewer snapshots).`,
    )
  }
  if (!snaps.every((s) => s.goroutines)) {
    notes.push(`${name}: goroutine profiles missing; goroutine and connection leaks were not checked.`)
  }
  return notes
}

export function runNotes(
  head: SideData,
  base: SideData | undefined,
  options: AnalysisOptions,
  regressions: RegressionResult,
): string[] {
  const notes: string[] = []
  if (!base)
    notes.push(
      'No base measured: findings are for head alone, none can be new, and allocation is not compared.',
    )
  const n = head.snapshots.length
  const span = n > 1 ? head.snapshots[n - 1].requests - head.snapshots[0].requests : 0
  if (options.memProfileRate >= 64 * 1024 && span > 0) {
    const g = smallestDetectableHeapGrowth(n, options)
    notes.push(
      `Heap profiles sample one allocation per ${formatBytesInText(options.memProfileRate)}: a heap leak below about ${formatBytesInText(g / span)} per request (${formatBytesInText(g)} over this run) is within sampling noise. Set memprofilerate (e.g. ${Math.max(4096, options.memProfileRate / 8)}) or run longer to see smaller leaks.`,
    )
  }
  const t = regressions.total
  const hw = t.head.windows.length
  const bw = t.base?.windows.length ?? 0
  if (base && hw > 0 && bw > 0) {
    const minP = mannWhitneyMinP(hw, bw)
    if (minP >= options.alpha) {
      notes.push(
        `With ${hw} head and ${bw} base windows the allocation comparison cannot reach significance (smallest possible p = ${minP.toPrecision(2)}); a regression cannot be reported. Use more snapshots.`,
      )
    } else if (regressions.compared > 0 && minP * regressions.compared >= options.alpha) {
      notes.push(
        `Per-site changes are adjusted for ${regressions.compared} sites (Holm); with ${hw} windows a side no single site can reach significance, only the total can.`,
      )
    }
    if (t.change >= options.regressionThreshold && !t.significant && t.pValue !== undefined) {
      notes.push(
        `Allocated bytes per request changed by ${formatPercent(t.change)}, past the threshold, but not significantly (p = ${t.pValue.toPrecision(2)}): not reported as a regression.`,
      )
    }
    const samplesPerWindow = (t.head.bytesPerRequest * (span / Math.max(1, hw))) / options.memProfileRate
    if (samplesPerWindow > 0 && samplesPerWindow < MIN_SAMPLES_PER_WINDOW) {
      notes.push(
        `Each window holds only about ${Math.round(samplesPerWindow)} allocation samples; allocation rates are coarse. A longer duration or a smaller memprofilerate sharpens them.`,
      )
    }
    const rh = head.load.requestsPerSecond
    const rb = base.load.requestsPerSecond
    if (rh > 0 && rb > 0 && (rh / rb > 2 || rb / rh > 2)) {
      notes.push(
        `Throughput differs a lot between base (${formatCountInText(rb)} req/s) and head (${formatCountInText(rh)} req/s); per-request numbers still compare, timings do not.`,
      )
    }
  }
  if (regressions.truncated) notes.push(`Only the first rows of growing and improved sites are listed.`)
  return notes
}
