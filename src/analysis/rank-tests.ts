// Rank tests for few, noisy points: Mann-Kendall (a trend in one series) and
// Mann-Whitney U (one sample above another), exact for small samples without
// ties, else the normal approximation with tie corrections, as SciPy computes them.
import { normalCdf, normalSf } from './normal.js'

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
