// One rule for "is this series leaking?", shared by heap sites, goroutine
// stacks, open descriptors and RSS: a robust slope against requests served, a
// rank trend test, still growing at the end of the run, not given back after
// the load stopped, and a total growth above what noise alone could produce.
import { median, theilSen } from './stats.js'
import { mannKendall } from './rank-tests.js'

export interface TrendOptions {
  alpha: number
  /**
   * Bytes one heap-profile sample stands for (MemProfileRate) when the series
   * is a sampled heap estimate: its sampling error is Poisson, sd ~ sqrt(bytes * rate).
   * Counts whose noise is Poisson-like (goroutines) use 1. Leave out where the
   * scatter alone must tell (descriptors, RSS).
   */
  sampleBytes?: number
  /** Smallest growth over the run that can count, whatever the statistics say. */
  minGrowth: number
  /**
   * The sampled estimates share samples from one snapshot to the next (a full cache renewing
   * its entries), so the fit's averaging over snapshots does not shrink the sampling noise:
   * the floor is at least that of two independent snapshots.
   */
  correlatedSamples?: boolean
}

export type TrendVerdict = 'leak' | 'bounded' | 'none'

export interface Trend {
  /** Theil-Sen slope per request, with Sen's 95% interval. */
  slope: number
  slopeLow: number
  slopeHigh: number
  /** Fitted values at the first and last snapshot. */
  start: number
  end: number
  /** slope x requests between the first and last snapshot. */
  growth: number
  /** One-sided Mann-Kendall p of an increasing trend (exact when untied). */
  pValue: number
  significant: boolean
  /** Robust sd of the point-to-point noise (see localNoise). */
  scatter: number
  /** Growth noise alone could produce: the larger of the sampling, scatter and absolute floors. */
  noiseFloor: number
  aboveFloor: boolean
  lateSlope: number
  stillGrowing: boolean
  settled?: number
  /** More than half of the growth was gone once the load stopped. */
  released: boolean
  verdict: TrendVerdict
  /** Why the verdict is not 'leak', for the JSON report and for debugging. */
  reason: string
}

/** Normal scores of the floors: a growth must stand this many sds above noise. */
export const Z_SAMPLING = 3.5
export const Z_SCATTER = 3.5
/** How far short of continued growth the second half may fall before it counts as a plateau. */
export const Z_PLATEAU = 2.5
/** A second half growing at less than this fraction of the overall slope has levelled off... */
export const LATE_FRACTION = 0.5
/** ...and a settled value keeping less than this fraction of the growth was released. */
export const RETAINED_FRACTION = 0.5

/** An early interval holding at least this share of the whole rise is a fill-up step... */
export const STEP_SHARE = 0.5
/** ...rising at least this many times faster than the run after it... */
export const STEP_RATE_RATIO = 6
/** ...when it lies in the first third of the run and leaves this many snapshots after it. */
export const MIN_AFTER_STEP = 4

/**
 * Sd of (fitted slope x span) per unit of iid noise, for n equally spaced points:
 * sqrt(12 (n-1) / (n (n+1))) for least squares, x1.05 for Theil-Sen's ~91% efficiency.
 */
export function growthSdFactor(n: number): number {
  if (n < 2) return Infinity
  return 1.05 * Math.sqrt((12 * (n - 1)) / (n * (n + 1)))
}

export function evaluateTrend(
  x: readonly number[],
  y: readonly number[],
  settled: number | undefined,
  opts: TrendOptions,
): Trend {
  const trend = evaluateSeries(x, y, settled, opts)
  // A cache that filled in an early step (a ring buffer, a pool warming up) inflates the
  // slope of the whole run: judge what came after the step on its own. Sampled estimates of
  // a full cache drift for a while (its sampled entries are renewed one cycle at a time), and
  // with the step counted that drift could pass for a leak.
  const step = trend.verdict === 'leak' ? fillStep(x, y) : undefined
  if (step === undefined) return trend
  const after = evaluateSeries(x.slice(step), y.slice(step), settled, { ...opts, correlatedSamples: true })
  // A leak whose first interval came out high by chance keeps growing at about its rate after it.
  const stepRate = (y[step] - y[step - 1]) / (x[step] - x[step - 1])
  if (after.verdict === 'leak' || after.slope * STEP_RATE_RATIO > stepRate) return trend
  return {
    ...trend,
    verdict: 'bounded',
    stillGrowing: false,
    reason: `filled up in an early step, then ${after.reason}`,
  }
}

/** Index of the snapshot after an early step holding most of the rise, if there is one. */
export function fillStep(x: readonly number[], y: readonly number[]): number | undefined {
  const n = y.length
  const rise = y[n - 1] - y[0]
  if (!(rise > 0)) return undefined
  for (let i = 1; i <= Math.floor((n - 1) / 3) && n - i >= MIN_AFTER_STEP; i++) {
    if (y[i] - y[i - 1] >= STEP_SHARE * rise && x[i] > x[i - 1]) return i
  }
  return undefined
}

/**
 * Still growing: the second half keeps up with the overall slope, or falls short of
 * it by no more than its own noise; and the last value is above the first half's.
 */
function lateGrowth(
  x: readonly number[],
  y: readonly number[],
  slope: number,
  scatter: number,
  sampleBytes: number | undefined,
): { lateSlope: number; stillGrowing: boolean } {
  const n = x.length
  const x0 = x[0]
  const xn = x[n - 1]
  const mid = Math.floor((n - 1) / 2)
  const lateX = x.slice(mid)
  const lateY = y.slice(mid)
  const lateFit = lateX.length >= 2 ? theilSen(lateX, lateY).slope : slope
  const lateSlope = Number.isFinite(lateFit) ? lateFit : 0
  const lateSpan = xn - x[mid]
  const expectedLate = slope * lateSpan
  const observedLate = lateSlope * lateSpan
  // sd of (expected - observed): both slopes' estimation error from the point noise,
  // plus the Poisson count of the samples the late half should have added.
  // The late slope's error comes from the late points' own noise (zero on a plateau of
  // retained samples, which is exactly when the global estimate is inflated by the rise).
  const lateScatter = lateX.length >= 3 ? localNoise(lateX, lateY) : scatter
  const slopeNoise =
    (growthSdFactor(lateX.length) * lateScatter) ** 2 +
    (growthSdFactor(n) * (lateSpan / (xn - x0)) * scatter) ** 2
  const lateNoise = Math.sqrt((sampleBytes ?? 0) * Math.max(0, expectedLate) + slopeNoise)
  const keepsUp =
    observedLate >= LATE_FRACTION * expectedLate || expectedLate - observedLate <= Z_PLATEAU * lateNoise
  const lastAboveFirstHalf = y[n - 1] > median(y.slice(0, mid + 1))
  return { lateSlope, stillGrowing: keepsUp && lastAboveFirstHalf }
}

function evaluateSeries(
  x: readonly number[],
  y: readonly number[],
  settled: number | undefined,
  opts: TrendOptions,
): Trend {
  const n = x.length
  const ts = theilSen(x, y)
  const slope = Number.isFinite(ts.slope) ? ts.slope : 0
  const x0 = x[0]
  const xn = x[n - 1]
  // All x equal (a stalled load): no slope to speak of, the level is the median.
  const intercept = Number.isFinite(ts.intercept) ? ts.intercept : n > 0 ? median(y) : 0
  const fit = (xi: number) => intercept + slope * xi
  const start = n > 0 ? fit(x0) : 0
  const end = n > 0 ? fit(xn) : 0
  const growth = slope * (xn - x0)
  const mk = mannKendall(x, y)
  const pValue = n >= 3 ? mk.pIncreasingExact : 1
  const significant = pValue < opts.alpha && slope > 0

  const scatter = localNoise(x, y)
  const factor = growthSdFactor(n)
  // Under "no growth" every snapshot samples the same live level: use the mean level.
  const level = Math.max(0, y.reduce((a, b) => a + b, 0) / Math.max(1, n))
  const samplingSd = opts.sampleBytes ? Math.sqrt(opts.sampleBytes * level) : 0
  const samplingFactor = opts.correlatedSamples ? Math.max(factor, Math.SQRT2) : factor
  const noiseFloor = Math.max(
    opts.minGrowth,
    Z_SAMPLING * samplingSd * samplingFactor,
    Z_SCATTER * scatter * factor,
  )
  const aboveFloor = growth > noiseFloor

  const { lateSlope, stillGrowing } = lateGrowth(x, y, slope, scatter, opts.sampleBytes)

  const released = settled !== undefined && growth > 0 && settled - start < RETAINED_FRACTION * growth

  let verdict: TrendVerdict = 'none'
  let reason: string
  if (n < 3) reason = 'too few snapshots'
  else if (!significant) reason = `no significant increasing trend (p=${pValue.toPrecision(2)})`
  else if (!aboveFloor) reason = `growth ${fmt(growth)} within the noise floor ${fmt(noiseFloor)}`
  else if (released)
    reason = `released after the load stopped (settled ${fmt(settled!)} vs start ${fmt(start)})`
  else if (!stillGrowing) {
    verdict = 'bounded'
    reason = 'grew, then levelled off'
  } else {
    verdict = 'leak'
    reason = 'growing with requests, still growing at the end, kept after the load stopped'
  }
  return {
    slope,
    slopeLow: ts.low,
    slopeHigh: ts.high,
    start,
    end,
    growth,
    pValue,
    significant,
    scatter,
    noiseFloor,
    aboveFloor,
    lateSlope,
    stillGrowing,
    settled,
    released,
    verdict,
    reason,
  }
}

/**
 * Noise of a series that may bend: each inner point against the straight line
 * through its two neighbours (e = y_i - interpolation). For iid noise of sd s and
 * equal spacing, sd(e) = s * sqrt(1.5); a knee (a cache that fills, then stops)
 * spoils one e, which the median ignores, where residuals around one global line
 * would all inflate.
 */
export function localNoise(x: readonly number[], y: readonly number[]): number {
  const e: number[] = []
  for (let i = 1; i + 1 < x.length; i++) {
    const span = x[i + 1] - x[i - 1]
    if (!(span > 0)) continue
    const interp = (y[i - 1] * (x[i + 1] - x[i]) + y[i + 1] * (x[i] - x[i - 1])) / span
    e.push(Math.abs(y[i] - interp))
  }
  if (e.length === 0) return 0
  return (1.482602218505602 * median(e)) / Math.sqrt(1.5)
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(3)
}
