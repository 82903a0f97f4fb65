// Reference values were computed with SciPy 1.17.1 / pymannkendall 1.4.3 /
// statsmodels 0.14 (Python 3.11); each block quotes the call and its output.
import { describe, expect, it } from 'vitest'
import { hodgesLehmann, holm, median, quantile, robustSigma, theilSen } from '../../src/analysis/stats.js'
import { averageRanks, mannKendall, mannWhitney, mannWhitneyMinP } from '../../src/analysis/rank-tests.js'
import { normalCdf, normalQuantile, normalSf } from '../../src/analysis/normal.js'

const close = (actual: number, expected: number, rel = 1e-9) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-300))

describe('normal law', () => {
  it('cdf matches scipy.stats.norm.cdf', () => {
    // norm.cdf([-8,-3.5,-1.96,0,0.5,1,2.9,3.1,5,10])
    const xs = [-8, -3.5, -1.96, 0, 0.5, 1, 2.9, 3.1, 5, 10]
    const ref = [
      6.22096057427174e-16, 0.00023262907903552502, 0.024997895148220435, 0.5, 0.6914624612740131,
      0.8413447460685429, 0.998134186699616, 0.9990323967867817, 0.9999997133484281, 1.0,
    ]
    xs.forEach((x, i) => close(normalCdf(x), ref[i], 1e-12))
  })
  it('upper tail keeps its precision far out (norm.sf)', () => {
    // norm.sf([-1, 0.5, 2.9, 3.1, 5, 8, 10, 20])
    const xs = [-1, 0.5, 2.9, 3.1, 5, 8, 10, 20]
    const ref = [
      0.8413447460685429, 0.3085375387259869, 0.0018658133003840375, 0.0009676032132183563,
      2.866515718791933e-7, 6.22096057427174e-16, 7.61985302416047e-24, 2.7536241186061556e-89,
    ]
    xs.forEach((x, i) => close(normalSf(x), ref[i], 1e-12))
  })
  it('quantile matches norm.ppf', () => {
    // norm.ppf([1e-10, 0.001, 0.025, 0.3, 0.5, 0.975, 0.999999])
    const ps = [1e-10, 0.001, 0.025, 0.3, 0.5, 0.975, 0.999999]
    const ref = [
      -6.361340902404056, -3.090232306167813, -1.9599639845400545, -0.5244005127080409, 0, 1.959963984540054,
      4.753424308817087,
    ]
    ps.forEach((p, i) => expect(Math.abs(normalQuantile(p) - ref[i])).toBeLessThan(1e-12))
  })
})

describe('order statistics', () => {
  it('median and type-7 quantiles (numpy.quantile defaults)', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    // np.quantile([1, 2, 3, 4, 10], [0.1, 0.75, 0.9]) -> [1.4, 4.0, 7.6]
    close(quantile([1, 2, 3, 4, 10], 0.1), 1.4)
    close(quantile([1, 2, 3, 4, 10], 0.75), 4)
    close(quantile([1, 2, 3, 4, 10], 0.9), 7.6)
    expect(Number.isNaN(median([]))).toBe(true)
  })
  it('robust sigma is 1.4826 x MAD (scipy.stats.median_abs_deviation(scale="normal"))', () => {
    // median_abs_deviation([1,2,3,4,100], scale='normal') -> 1.482602218505602
    close(robustSigma([1, 2, 3, 4, 100]), 1.482602218505602)
  })
  it('average ranks for ties (scipy.stats.rankdata)', () => {
    // rankdata([10, 20, 20, 5, 20]) -> [2., 4., 4., 1., 4.]
    expect(averageRanks([10, 20, 20, 5, 20])).toEqual([2, 4, 4, 1, 4])
  })
})

describe('Theil-Sen', () => {
  it('matches scipy.stats.theilslopes on a noisy line', () => {
    // theilslopes([1.2,2.9,3.1,5.0,4.2,7.7,8.1,9.5,8.9,12.0], range(10))
    // -> slope=1.15, intercept=1.175, low_slope=0.9, high_slope=1.3
    const r = theilSen([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1.2, 2.9, 3.1, 5.0, 4.2, 7.7, 8.1, 9.5, 8.9, 12.0])
    close(r.slope, 1.15)
    close(r.intercept, 1.175)
    close(r.low, 0.9)
    close(r.high, 1.3)
  })
  it('skips pairs with equal x and corrects the interval for ties (theilslopes)', () => {
    // theilslopes([5,5,7,6,9,20,11], [0,10,10,20,35,50,51])
    // -> slope=0.13567073170731708, intercept=4.286585365853658, low_slope=0.05, high_slope=0.325
    const r = theilSen([0, 10, 10, 20, 35, 50, 51], [5, 5, 7, 6, 9, 20, 11])
    close(r.slope, 0.13567073170731708)
    close(r.intercept, 4.286585365853658)
    close(r.low, 0.05)
    close(r.high, 0.325)
  })
  it('resists an outlier that would drag least squares', () => {
    const r = theilSen([0, 1, 2, 3, 4, 5, 6], [0, 2, 4, 6, 8, 10, 1000])
    close(r.slope, 2)
  })
})

describe('Mann-Kendall', () => {
  it('matches pymannkendall.original_test without ties', () => {
    // mk.original_test([1.2,2.9,3.1,5.0,4.2,7.7,8.1,9.5,8.9,12.0])
    // -> s=41, var_s=125.0, z=3.5777087639996634, p(two-sided)=0.00034661935113455833, Tau=0.9111111111111111
    const y = [1.2, 2.9, 3.1, 5.0, 4.2, 7.7, 8.1, 9.5, 8.9, 12.0]
    const r = mannKendall([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], y)
    expect(r.s).toBe(41)
    close(r.varS, 125)
    close(r.z, 3.5777087639996634)
    close(r.pTwoSided, 0.00034661935113455833, 1e-10)
    close(r.pIncreasing, 0.00034661935113455833 / 2, 1e-10)
    close(r.tau, 0.9111111111111111)
    // Exact one-sided p of the same S: scipy.stats.kendalltau(range(10), y, method='exact',
    // alternative='greater') -> pvalue=1.4880952380952381e-05
    expect(r.exact).toBe(true)
    close(r.pIncreasingExact, 1.4880952380952381e-5, 1e-9)
  })
  it('corrects the variance for ties (pymannkendall)', () => {
    // mk.original_test([1,2,2,3,3,3,5,4,6]) -> s=30, var_s=87.33333333333333, z=3.1031872312779347,
    // p=0.0019144847836662926
    const r = mannKendall([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 3, 3, 3, 5, 4, 6])
    expect(r.s).toBe(30)
    close(r.varS, 87.33333333333333)
    close(r.z, 3.1031872312779347)
    close(r.pTwoSided, 0.0019144847836662926, 1e-10)
    expect(r.exact).toBe(false)
    expect(r.pIncreasingExact).toBe(r.pIncreasing)
  })
  it('exact tail for a short series (kendalltau exact)', () => {
    // kendalltau(range(7), [3,1,4,5,9,2,6], method='exact', alternative='greater') -> pvalue=0.11944444444444445
    const r = mannKendall([0, 1, 2, 3, 4, 5, 6], [3, 1, 4, 5, 9, 2, 6])
    close(r.pIncreasingExact, 0.11944444444444445, 1e-9)
  })
  it('orders the points by x first', () => {
    const r = mannKendall([3, 1, 2], [30, 10, 20])
    expect(r.s).toBe(3)
    // A perfect increasing order of 3 points: exactly 1/3! = 1/6.
    close(r.pIncreasingExact, 1 / 6)
  })
})

describe('Mann-Whitney U', () => {
  const a = [10.1, 11.3, 9.8, 10.5, 10.9, 11.0]
  const b = [11.9, 12.4, 11.1, 12.8, 11.6, 13.0]
  it('exact distribution for small samples (scipy method="exact")', () => {
    // mannwhitneyu(a, b, alternative='two-sided', method='exact') -> statistic=1.0, pvalue=0.004329004329004329
    const two = mannWhitney(a, b, 'two-sided')
    expect(two.method).toBe('exact')
    expect(two.u).toBe(1)
    close(two.p, 0.004329004329004329)
    // mannwhitneyu(a, b, alternative='less', method='exact') -> pvalue=0.0021645021645021645
    close(mannWhitney(a, b, 'less').p, 0.0021645021645021645)
    close(mannWhitney(b, a, 'greater').p, 0.0021645021645021645)
  })
  it('normal approximation with continuity correction (method="asymptotic")', () => {
    // mannwhitneyu(a, b, alternative='two-sided', method='asymptotic') -> pvalue=0.00823901882572464
    close(mannWhitney(a, b, 'two-sided', 'asymptotic').p, 0.00823901882572464)
  })
  it('ties: average ranks and the tie-corrected variance', () => {
    const c = [1, 2, 2, 3, 4, 4, 4, 5]
    const d = [3, 4, 5, 5, 6, 6, 7]
    // mannwhitneyu(c, d, alternative='two-sided', method='asymptotic') -> statistic=8.0, pvalue=0.021920655864769517
    const r = mannWhitney(c, d)
    expect(r.method).toBe('asymptotic')
    expect(r.u).toBe(8)
    close(r.p, 0.021920655864769517)
    // mannwhitneyu(c, d, alternative='greater', method='asymptotic') -> pvalue=0.9920076574374018
    close(mannWhitney(c, d, 'greater').p, 0.9920076574374018)
  })
  it('knows the smallest p a design can reach', () => {
    // mannwhitneyu([1,2,3],[4,5,6], method='exact') -> pvalue=0.1: three windows a side never reach 0.05
    close(mannWhitney([1, 2, 3], [4, 5, 6]).p, 0.1)
    close(mannWhitneyMinP(3, 3), 0.1)
    close(mannWhitneyMinP(6, 6), 2 / 924)
  })
})

describe('Hodges-Lehmann', () => {
  it('shift and distribution-free interval', () => {
    // Brute force in Python: enumerate all C(12,6) splits for the exact null law of U,
    // k = #{u: P(U <= u) <= 0.025} = 6, d = sorted(y - x): ci = (d[k-1], d[mn-k]) = (0.6, 2.5),
    // median(d) = 1.5, coverage = 1 - 2 P(U <= 5) = 0.9588744588744589
    const r = hodgesLehmann([10.1, 11.3, 9.8, 10.5, 10.9, 11.0], [11.9, 12.4, 11.1, 12.8, 11.6, 13.0])
    close(r.shift, 1.5, 1e-12)
    expect(r.ci).toBeDefined()
    close(r.ci![0], 0.6, 1e-12)
    close(r.ci![1], 2.5, 1e-12)
    close(r.coverage!, 0.9588744588744589, 1e-12)
  })
  it('has no 95% interval with three values a side (P(U = 0) = 0.05 > 0.025)', () => {
    const r = hodgesLehmann([1, 2, 3], [4, 5, 6])
    expect(r.shift).toBe(3)
    expect(r.ci).toBeUndefined()
  })
})

describe('Holm-Bonferroni', () => {
  it('matches statsmodels multipletests(method="holm")', () => {
    // multipletests([0.01,0.04,0.03,0.005,0.2], method='holm')[1] -> [0.04, 0.09, 0.09, 0.025, 0.2]
    const adj = holm([0.01, 0.04, 0.03, 0.005, 0.2])
    ;[0.04, 0.09, 0.09, 0.025, 0.2].forEach((v, i) => close(adj[i], v, 1e-12))
    expect(holm([])).toEqual([])
  })
})
