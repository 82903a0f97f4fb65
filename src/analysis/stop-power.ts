// How much a side's snapshots so far can see (issue 16): the smallest leak the
// final analysis would find, and the power of the allocation comparison. Pure;
// decideStop (stopping.ts) weighs them after each snapshot.
import type { AnalysisOptions } from '../model/analysis.js'
import { smallestDetectableHeapGrowth } from './notes.js'
import { normalCdf, normalQuantile } from './normal.js'
import { mannWhitneyMinP } from './rank-tests.js'
import { median } from './stats.js'

/**
 * Smallest leak per request the final analysis finds with chance `power` on `points` snapshots
 * spanning `span` requests: the growth G with G - z * sqrt(rate * G) at the sampling floor
 * smallestDetectableHeapGrowth (a leak at its own site), i.e. (sqrt(floor) + z sqrt(rate))^2.
 * power 0.5 is the note's floor.
 */
export function detectableLeak(points: number, span: number, options: AnalysisOptions, power = 0.5): number {
  if (!(span > 0) || points < 3) return Infinity
  const g = smallestDetectableHeapGrowth(points, options)
  const z = Math.max(0, normalQuantile(power))
  return (Math.sqrt(g) + z * Math.sqrt(options.memProfileRate)) ** 2 / span
}

/**
 * Chance the two-sided Mann-Whitney comparison at alpha finds a change of `threshold` with these
 * windows: normal approximation with the test's efficiency 3/pi, the windows' spread on a log
 * scale from successive differences (robust to a drift), and 0 while the exact test cannot
 * reach alpha at all. With no base given, a head with as many windows as base is assumed.
 */
export function regressionPower(
  windows: readonly number[],
  baseWindows: readonly number[] | undefined,
  threshold: number,
  alpha: number,
): number {
  const m = windows.length
  const b = baseWindows?.length ?? m
  if (m < 2 || b < 2 || mannWhitneyMinP(m, b) >= alpha) return 0
  const diffs = [windows, baseWindows ?? []].flatMap((w) => {
    const logs = w.filter((v) => v > 0).map(Math.log)
    return logs.slice(1).map((v, i) => Math.abs(v - logs[i]))
  })
  if (diffs.length < 2) return 0
  const sigma = (1.482602218505602 * median(diffs)) / Math.SQRT2
  if (!(sigma > 0)) return 1
  const ncp = (Math.log1p(threshold) * Math.sqrt(3 / Math.PI)) / (sigma * Math.sqrt(1 / m + 1 / b))
  return normalCdf(ncp - normalQuantile(1 - alpha / 2))
}

/**
 * Head has twice base's windows: base's now limit the comparison, and more of head's would gain
 * under a fifth of its precision (the variance goes as 1/m + 1/b). Without this, a base that
 * stopped on a lucky low spread would keep head measuring to `duration` for nothing.
 */
export function balanced(m: number, b: number | undefined): boolean {
  return b !== undefined && b > 0 && m >= 2 * b
}
