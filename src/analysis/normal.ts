// The standard normal law, to double precision: density, tails, quantile. The
// rank tests' large-sample approximations and the intervals' z come from here.

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
