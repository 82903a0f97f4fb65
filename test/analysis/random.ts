// Seeded randomness for the synthetic profiles: every test run sees the same draws.

/** mulberry32: a small, fast, well-mixed 32-bit generator. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function normal(rand: () => number): number {
  const u = 1 - rand()
  const v = rand()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Poisson draw: Knuth's product method below 30, a rounded normal above (good enough for tests). */
export function poisson(rand: () => number, lambda: number): number {
  if (lambda <= 0) return 0
  if (lambda < 30) {
    const limit = Math.exp(-lambda)
    let k = 0
    let p = rand()
    while (p > limit) {
      k++
      p *= rand()
    }
    return k
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rand)))
}
