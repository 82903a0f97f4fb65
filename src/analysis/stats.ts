// Small, dependency-free statistics for few, noisy points: robust estimators
// (Theil-Sen, Hodges-Lehmann) and rank tests (Mann-Kendall, Mann-Whitney) whose
// validity does not depend on the noise being normal. Heap profiles are sampled,
// so every series here is count noise plus GC timing, not a bell curve.

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

// ---------------------------------------------------------------- normal law

const LN_SQRT_2PI = 0.9189385332046728

/** Standard normal density. */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x - LN_SQRT_2PI)
}

/** Upper tail P(Z > x), accurate in the far tail (p-values need that, not 1 - cdf). */
export function normalSf(x: number): number {
  if (Number.isNaN(x)) return NaN
  if (x < 0) return 1 - normalSf(-x)
  if (x > 40) return 0
  if (x < 3) {
    // Marsaglia (2004), "Evaluating the normal distribution": Taylor series of Phi around 0.
    let s = x
    let t = 0
    let b = x
    const q = x * x
    let i = 1
    while (s !== t) {
      t = s
      i += 2
      b *= q / i
      s = t + b
    }
    return 0.5 - s * Math.exp(-0.5 * q - LN_SQRT_2PI)
  }
  // Mills ratio by the continued fraction x + 1/(x + 2/(x + 3/(x + ...))), Lentz's method.
  const tiny = 1e-300
  let f = x
  let c = x
  let d = 0
  for (let k = 1; k < 500; k++) {
    d = x + k * d
    d = d === 0 ? tiny : d
    c = x + k / c
    c = c === 0 ? tiny : c
    d = 1 / d
    const delta = c * d
    f *= delta
    if (Math.abs(delta - 1) < 1e-16) break
  }
  return normalPdf(x) / f
}

export function normalCdf(x: number): number {
  return normalSf(-x)
}

/** Inverse of normalCdf: Acklam's rational approximation, polished by one Halley step. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity
    if (p === 1) return Infinity
    return NaN
  }
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const pLow = 0.02425
  let x: number
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p))
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  } else if (p <= 1 - pLow) {
    const q = p - 0.5
    const r = q * q
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p))
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
  }
  // cdf(x) - p, each side computed from its accurate tail
  const e = p < 0.5 ? normalCdf(x) - p : 1 - p - normalSf(x)
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2)
  return x - u / (1 + (x * u) / 2)
}

// ---------------------------------------------------------------- helpers

/** Sizes of the groups of equal values (only groups of 2 or more). */
export function tieGroups(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b)
  const groups: number[] = []
  let run = 1
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) run++
    else {
      if (run > 1) groups.push(run)
      run = 1
    }
  }
  return groups
}

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

// ---------------------------------------------------------------- Mann-Kendall

export interface MannKendall {
  /** Sum of sign(y_j - y_i) over i < j, in the order of x. */
  s: number
  /** Variance of S under no trend, corrected for ties in y. */
  varS: number
  /** (S - sign(S)) / sqrt(varS): normal score with continuity correction. */
  z: number
  /** Kendall's tau-a = S / (n(n-1)/2). */
  tau: number
  /** Normal approximation: two-sided and one-sided (increasing / decreasing) p. */
  pTwoSided: number
  pIncreasing: number
  pDecreasing: number
  /** Exact one-sided p of an increasing trend when y has no ties (n <= 60); else the normal approximation. */
  pIncreasingExact: number
  exact: boolean
}

/**
 * Mann-Kendall trend test of y against its order in x (x sorts the points;
 * pairs with equal x contribute 0, as in a time series with simultaneous points).
 */
export function mannKendall(x: readonly number[], y: readonly number[]): MannKendall {
  const order = x.map((_, i) => i).sort((a, b) => x[a] - x[b])
  const xs = order.map((i) => x[i])
  const ys = order.map((i) => y[i])
  const n = ys.length
  let s = 0
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (xs[j] === xs[i]) continue
      s += Math.sign(ys[j] - ys[i])
    }
  }
  const ties = tieGroups(ys)
  const varS = (n * (n - 1) * (2 * n + 5) - ties.reduce((acc, t) => acc + t * (t - 1) * (2 * t + 5), 0)) / 18
  const z = varS > 0 ? (s - Math.sign(s)) / Math.sqrt(varS) : 0
  const pIncreasing = varS > 0 ? normalSf(z) : 1
  const pDecreasing = varS > 0 ? normalCdf(z) : 1
  const pTwoSided = varS > 0 ? Math.min(1, 2 * normalSf(Math.abs(z))) : 1
  const exact = ties.length === 0 && tieGroups(xs).length === 0 && n >= 2 && n <= 60
  const pIncreasingExact = exact ? kendallUpperTail(n, s) : pIncreasing
  return {
    s,
    varS,
    z,
    tau: n > 1 ? s / ((n * (n - 1)) / 2) : 0,
    pTwoSided,
    pIncreasing,
    pDecreasing,
    pIncreasingExact,
    exact,
  }
}

/** P(S >= s) for Kendall's S of n untied points under independence, from the Mahonian numbers. */
function kendallUpperTail(n: number, s: number): number {
  // S = pairs - 2 * inversions, so S >= s  <=>  inversions <= (pairs - s) / 2.
  const pairs = (n * (n - 1)) / 2
  const maxInv = Math.floor((pairs - s) / 2)
  if (maxInv < 0) return 0
  const dist = inversionDistribution(n)
  let p = 0
  for (let k = 0; k <= Math.min(maxInv, pairs); k++) p += dist[k]
  return Math.min(1, p)
}

const inversionCache = new Map<number, Float64Array>()

/** Probability that a uniform random permutation of n has k inversions, k = 0..n(n-1)/2. */
function inversionDistribution(n: number): Float64Array {
  const cached = inversionCache.get(n)
  if (cached) return cached
  let dist = new Float64Array([1])
  for (let m = 2; m <= n; m++) {
    // Inserting the m-th element adds 0..m-1 inversions, each equally likely.
    const next = new Float64Array(dist.length + m - 1)
    let window = 0
    for (let k = 0; k < next.length; k++) {
      if (k < dist.length) window += dist[k]
      if (k - m >= 0) window -= dist[k - m]
      next[k] = window / m
    }
    dist = next
  }
  inversionCache.set(n, dist)
  return dist
}

// ---------------------------------------------------------------- Mann-Whitney U

export type Alternative = 'two-sided' | 'greater' | 'less'

export interface MannWhitney {
  /** U of the first sample: pairs (x_i, y_j) with x_i > y_j, ties counting 1/2. */
  u: number
  p: number
  /** Exact permutation distribution (no ties, both samples <= 30), else normal approximation. */
  method: 'exact' | 'asymptotic'
}

/** Ranks 1..n, ties given their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b])
  const ranks = new Array<number>(values.length)
  let i = 0
  while (i < order.length) {
    let j = i
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++
    const rank = (i + j) / 2 + 1
    for (let k = i; k <= j; k++) ranks[order[k]] = rank
    i = j + 1
  }
  return ranks
}

/**
 * Mann-Whitney U test. 'greater' tests whether x tends to be larger than y.
 * method 'auto' is exact without ties when both samples have at most 30 values
 * (the normal approximation is poor at the 5..8 windows a side we usually have).
 */
export function mannWhitney(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative = 'two-sided',
  method: 'auto' | 'exact' | 'asymptotic' = 'auto',
): MannWhitney {
  const n1 = x.length
  const n2 = y.length
  if (n1 === 0 || n2 === 0) return { u: NaN, p: NaN, method: 'asymptotic' }
  const all = [...x, ...y]
  const ranks = averageRanks(all)
  const r1 = ranks.slice(0, n1).reduce((a, b) => a + b, 0)
  const u1 = r1 - (n1 * (n1 + 1)) / 2
  const u2 = n1 * n2 - u1
  const ties = tieGroups(all)
  const useExact = method === 'exact' || (method === 'auto' && ties.length === 0 && n1 <= 30 && n2 <= 30)
  if (useExact) {
    const cdf = mannWhitneyCdf(n1, n2)
    const sf = (u: number) => (u <= 0 ? 1 : 1 - cdf[Math.ceil(u) - 1]) // P(U >= u)
    let p: number
    if (alternative === 'greater') p = sf(u1)
    else if (alternative === 'less') p = sf(u2)
    else p = 2 * sf(Math.max(u1, u2))
    return { u: u1, p: Math.min(1, Math.max(0, p)), method: 'exact' }
  }
  const n = n1 + n2
  const mu = (n1 * n2) / 2
  const tieSum = ties.reduce((acc, t) => acc + t * t * t - t, 0)
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieSum / (n * (n - 1))))
  if (!(sigma > 0)) return { u: u1, p: 1, method: 'asymptotic' }
  let p: number
  if (alternative === 'greater') p = normalSf((u1 - mu - 0.5) / sigma)
  else if (alternative === 'less') p = normalSf((u2 - mu - 0.5) / sigma)
  else p = 2 * normalSf((Math.max(u1, u2) - mu - 0.5) / sigma)
  return { u: u1, p: Math.min(1, Math.max(0, p)), method: 'asymptotic' }
}

const mwuCache = new Map<string, Float64Array>()

/** cdf[u] = P(U <= u) for untied samples of sizes m and n, u = 0..mn. */
export function mannWhitneyCdf(m: number, n: number): Float64Array {
  const key = `${Math.min(m, n)},${Math.max(m, n)}`
  const cached = mwuCache.get(key)
  if (cached) return cached
  const a = Math.min(m, n)
  const b = Math.max(m, n)
  // Counts of U are the coefficients of the Gaussian binomial [a+b choose a]_q;
  // build it with [N,k] = [N-1,k-1] + q^k [N-1,k], keeping rows k = 0..a.
  let rows: Float64Array[] = [new Float64Array([1])]
  for (let total = 1; total <= a + b; total++) {
    const next: Float64Array[] = []
    for (let k = 0; k <= Math.min(a, total); k++) {
      const len = k * (total - k) + 1
      const row = new Float64Array(len)
      const left = k > 0 ? rows[k - 1] : undefined // [N-1, k-1]
      const right = k <= total - 1 ? rows[k] : undefined // [N-1, k]
      if (left) for (let i = 0; i < left.length && i < len; i++) row[i] += left[i]
      if (right) for (let i = 0; i < right.length && i + k < len; i++) row[i + k] += right[i]
      next.push(row)
    }
    rows = next
  }
  const counts = rows[a]
  const total = counts.reduce((s, c) => s + c, 0)
  const cdf = new Float64Array(counts.length)
  let acc = 0
  for (let i = 0; i < counts.length; i++) {
    acc += counts[i]
    cdf[i] = acc / total
  }
  mwuCache.set(key, cdf)
  return cdf
}

/** Smallest p-value a two-sided exact Mann-Whitney test can reach with samples of m and n. */
export function mannWhitneyMinP(m: number, n: number): number {
  if (m === 0 || n === 0) return 1
  const cdf = mannWhitneyCdf(m, n)
  return Math.min(1, 2 * cdf[0])
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
