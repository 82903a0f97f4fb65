// Small, dependency-free statistics for few, noisy points: quantiles, robust
// estimators (Theil-Sen, Hodges-Lehmann) and Holm's correction; the rank tests
// (rank-tests.ts) beside them do not depend on the noise being normal either.
// Heap profiles are sampled, so every series is count noise plus GC timing.
import { normalQuantile } from './normal.js'
import { mannWhitneyCdf, tieGroups } from './rank-tests.js'

export function median(values: readonly number[]): number {
  return quantile(values, 0.5)
}

/** Linear interpolation between order statistics (Hyndman-Fan type 7, NumPy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return quantileSorted(sorted, q)
}

export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN
  const h = (sorted.length - 1) * Math.min(1, Math.max(0, q))
  const lo = Math.floor(h)
  const hi = Math.ceil(h)
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo])
}

/** Median absolute deviation scaled to estimate a normal sigma (x 1.4826). */
export function robustSigma(values: readonly number[]): number {
  if (values.length === 0) return NaN
  const m = median(values)
  return 1.482602218505602 * median(values.map((v) => Math.abs(v - m)))
}

// ---------------------------------------------------------------- helpers

/** Round half to even, as NumPy's round does (Sen's interval indices must match SciPy). */
function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r
}

// ---------------------------------------------------------------- Theil-Sen

export interface TheilSen {
  slope: number
  /** median(y) - slope * median(x), as scipy.stats.theilslopes(method='separate'). */
  intercept: number
  /** Sen's (1968) confidence interval of the slope; NaN when it cannot be formed. */
  low: number
  high: number
}

/** Median of the pairwise slopes; pairs with equal x are skipped. confidence is e.g. 0.95. */
export function theilSen(x: readonly number[], y: readonly number[], confidence = 0.95): TheilSen {
  const slopes: number[] = []
  for (let i = 0; i < x.length; i++) {
    for (let j = 0; j < x.length; j++) {
      const dx = x[j] - x[i]
      if (dx > 0) slopes.push((y[j] - y[i]) / dx)
    }
  }
  if (slopes.length === 0) return { slope: NaN, intercept: NaN, low: NaN, high: NaN }
  slopes.sort((a, b) => a - b)
  const slope = quantileSorted(slopes, 0.5)
  const intercept = median(y) - slope * median(x)
  const z = normalQuantile((1 - confidence) / 2)
  const n = y.length
  const tieTerm = (k: number) => k * (k - 1) * (2 * k + 5)
  const sigsq =
    (n * (n - 1) * (2 * n + 5) -
      tieGroups(x).reduce((s, k) => s + tieTerm(k), 0) -
      tieGroups(y).reduce((s, k) => s + tieTerm(k), 0)) /
    18
  const nt = slopes.length
  if (!(sigsq > 0)) return { slope, intercept, low: NaN, high: NaN }
  const sigma = Math.sqrt(sigsq)
  const ru = Math.min(roundHalfEven((nt - z * sigma) / 2), nt - 1)
  const rl = Math.max(roundHalfEven((nt + z * sigma) / 2) - 1, 0)
  return { slope, intercept, low: slopes[rl], high: slopes[ru] }
}

// ---------------------------------------------------------------- Hodges-Lehmann

export interface ShiftEstimate {
  /** Median of all pairwise differences y_j - x_i. */
  shift: number
  /** Distribution-free confidence interval from the order statistics of the differences; absent when n is too small. */
  ci?: [number, number]
  /** Coverage actually achieved (>= the requested one; the distribution is discrete). */
  coverage?: number
}

/**
 * Hodges-Lehmann estimate of the shift of y relative to x, with the interval
 * [D(k), D(mn+1-k)] where k is the largest index with P(U <= k-1) <= (1-confidence)/2
 * (exact null distribution of U without ties and small samples, normal approximation
 * otherwise): the classical interval of Hollander & Wolfe (section 4.3).
 */
export function hodgesLehmann(x: readonly number[], y: readonly number[], confidence = 0.95): ShiftEstimate {
  const m = x.length
  const n = y.length
  if (m === 0 || n === 0) return { shift: NaN }
  const diffs: number[] = []
  for (const xi of x) for (const yj of y) diffs.push(yj - xi)
  diffs.sort((a, b) => a - b)
  const shift = quantileSorted(diffs, 0.5)
  const alpha = 1 - confidence
  const mn = m * n
  let k: number
  let coverage: number
  if (m <= 30 && n <= 30) {
    const cdf = mannWhitneyCdf(m, n)
    k = 0
    while (k < cdf.length && cdf[k] <= alpha / 2) k++ // now cdf[k-1] <= alpha/2 < cdf[k]
    coverage = k > 0 ? 1 - 2 * cdf[k - 1] : 0
  } else {
    const z = normalQuantile(1 - alpha / 2)
    k = Math.floor(mn / 2 - z * Math.sqrt((mn * (m + n + 1)) / 12))
    coverage = confidence
  }
  if (k < 1 || k > mn - k + 1) return { shift }
  return { shift, ci: [diffs[k - 1], diffs[mn - k]], coverage }
}

// ---------------------------------------------------------------- multiple testing

/** Holm-Bonferroni step-down adjusted p-values, in the input order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a] - pValues[b])
  const adjusted = new Array<number>(m)
  let running = 0
  order.forEach((idx, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * pValues[idx]))
    adjusted[idx] = running
  })
  return adjusted
}
