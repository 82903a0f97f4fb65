import { describe, expect, it } from 'vitest'
import { evaluateTrend, fillStep, growthSdFactor, localNoise } from '../../src/analysis/trend.js'
import { poisson, rng } from './random.js'

const R = 512 * 1024
const N = 7
const xs = Array.from({ length: N }, (_, i) => 15_000 + i * 15_000)
const opts = { alpha: 0.05, sampleBytes: R, minGrowth: R }

/** Verdict counts of the trend rule over many seeded draws of one kind of series. */
function verdicts(trials: number, gen: (rand: () => number) => { y: number[]; settled: number }) {
  const counts = { leak: 0, bounded: 0, none: 0 }
  for (let s = 1; s <= trials; s++) {
    const { y, settled } = gen(rng(s * 7919 + 17))
    counts[evaluateTrend(xs, y, settled, opts).verdict]++
  }
  return counts
}

/** Retained bytes: each new sample persists, so the estimate is a counting process. */
const leakSeries = (rand: () => number, samples: number, base = 0) => {
  let c = 0
  const y = xs.map((_, i) => (i === 0 ? 0 : (c += poisson(rand, samples / (N - 1)))) * R + base * R)
  return { y, settled: y[N - 1] }
}

describe('trend rule under heap sampling noise (calibration)', () => {
  it('stationary churn at any level is not a leak (false positives under 1 in 1000)', () => {
    for (const level of [1, 3, 10, 30, 100, 1000]) {
      // Worst case for the release check: the same live level after the load.
      const c = verdicts(2000, (rand) => ({
        y: xs.map(() => poisson(rand, level) * R),
        settled: poisson(rand, level) * R,
      }))
      expect(c.leak, `level ${level} samples`).toBeLessThanOrEqual(2)
    }
  })
  it('a leak of 20 samples over the run is found almost always, 12 samples mostly', () => {
    expect(verdicts(1000, (rand) => leakSeries(rand, 20)).leak).toBeGreaterThanOrEqual(950)
    expect(verdicts(1000, (rand) => leakSeries(rand, 12)).leak).toBeGreaterThanOrEqual(650)
    expect(verdicts(1000, (rand) => leakSeries(rand, 40)).leak).toBeGreaterThanOrEqual(995)
  })
  it('a leak under a churning live set: found, and hardly ever mistaken for a plateau', () => {
    const onChurn = (growth: number, level: number) =>
      verdicts(1000, (rand) => {
        let k = 0
        const y = xs.map(
          (_, i) => ((i === 0 ? 0 : (k += poisson(rand, growth / 6))) + poisson(rand, level)) * R,
        )
        return { y, settled: (k + poisson(rand, level)) * R }
      })
    const a = onChurn(40, 20)
    expect(a.leak).toBeGreaterThanOrEqual(800)
    expect(a.bounded).toBeLessThanOrEqual(15)
    const b = onChurn(80, 80)
    expect(b.leak).toBeGreaterThanOrEqual(850)
    expect(b.bounded).toBeLessThanOrEqual(15)
  })
  it('a cache that fills in the first half, then stops, is bounded growth, not a leak', () => {
    const c = verdicts(1000, (rand) => {
      let k = 0
      const y = xs.map((_, i) => (i === 0 ? 0 : (k += i <= 3 ? poisson(rand, 40 / 3) : 0)) * R)
      return { y, settled: y[N - 1] }
    })
    expect(c.bounded).toBeGreaterThanOrEqual(950)
    expect(c.leak).toBeLessThanOrEqual(15)
  })
  it('a ring buffer full early, its sampled entries renewed as it cycles, is hardly ever a leak', () => {
    // The fill-up lands in the first interval; each later interval replaces half the entries, so
    // successive estimates share samples and drift. Counting the step, 29 in 1000 read as leaks.
    const ring = (L: number) =>
      verdicts(1000, (rand) => {
        let cur = poisson(rand, 0.45 * L)
        const y = [cur]
        for (let i = 1; i < N; i++) {
          if (i === 1) cur += poisson(rand, 0.55 * L)
          else {
            let kept = 0
            for (let j = 0; j < cur; j++) if (rand() > 0.5) kept++
            cur = kept + poisson(rand, 0.5 * L)
          }
          y.push(cur * R)
        }
        return { y, settled: y[N - 1] }
      })
    expect(ring(500).leak).toBeLessThanOrEqual(3)
    expect(ring(60).leak).toBeLessThanOrEqual(30)
  })
})

describe('evaluateTrend', () => {
  it('a clean linear leak: slope per request, significant, still growing, kept', () => {
    const y = xs.map((x) => 1_000_000 + 100 * x)
    const t = evaluateTrend(xs, y, y[N - 1], { alpha: 0.05, minGrowth: 1 })
    expect(t.verdict).toBe('leak')
    expect(t.slope).toBeCloseTo(100, 6)
    expect(t.growth).toBeCloseTo(100 * 90_000, 0)
    expect(t.pValue).toBeCloseTo(1 / 5040, 10)
  })
  it('released after the load: not a leak', () => {
    const y = xs.map((x) => 100 * x)
    const t = evaluateTrend(xs, y, y[0], { alpha: 0.05, minGrowth: 1 })
    expect(t.released).toBe(true)
    expect(t.verdict).toBe('none')
    expect(t.reason).toMatch(/released/)
  })
  it('growth below the absolute minimum is not a leak', () => {
    const y = xs.map((x) => x / 1000)
    const t = evaluateTrend(xs, y, y[N - 1], { alpha: 0.05, minGrowth: 100 })
    expect(t.significant).toBe(true)
    expect(t.verdict).toBe('none')
    expect(t.reason).toMatch(/noise floor/)
  })
  it('too few points', () => {
    expect(evaluateTrend([1, 2], [1, 2], 2, { alpha: 0.05, minGrowth: 0 }).verdict).toBe('none')
  })
  it('growth that stopped before the last snapshots is bounded', () => {
    const y = [0, 10, 20, 30, 30, 30, 30].map((v) => v * 1000)
    const t = evaluateTrend(xs, y, y[N - 1], { alpha: 0.05, minGrowth: 1 })
    expect(t.verdict).toBe('bounded')
    expect(t.stillGrowing).toBe(false)
  })
  it('a cache that filled in the first interval, then drifted within its sampling noise, is bounded', () => {
    // boundedcache in the detection study (64 KiB sampling, 256 B entries, 18k req/s): a false leak before.
    const x = [1, 66259, 153420, 217376, 248596, 295408, 369367]
    const y = [14840082, 31978408, 33554346, 35064620, 36115245, 37691183, 37297199]
    const t = evaluateTrend(x, y, 37428527, { alpha: 0.05, sampleBytes: 65536, minGrowth: 256 * 1024 })
    expect(t.verdict).toBe('bounded')
    expect(t.reason).toMatch(/^filled up in an early step, then growth .* within the noise floor/)
  })
  it('a cache that filled early and a leak that goes on after it: still a leak', () => {
    const y = [0, 40, 41, 42, 43, 44, 45].map((v) => v * 100_000)
    expect(fillStep(xs, y)).toBe(1)
    expect(evaluateTrend(xs, y, y[N - 1], { alpha: 0.05, minGrowth: 1 }).verdict).toBe('leak')
    const fast = [0, 40, 50, 60, 70, 80, 90].map((v) => v * 100_000)
    expect(evaluateTrend(xs, fast, fast[N - 1], { alpha: 0.05, minGrowth: 1 }).verdict).toBe('leak')
  })
  it('growth that starts mid-run is still a leak', () => {
    const y = [0, 0, 0, 10, 20, 30, 40].map((v) => v * 1000)
    expect(evaluateTrend(xs, y, y[N - 1], { alpha: 0.05, minGrowth: 1 }).verdict).toBe('leak')
  })
})

describe('noise estimates', () => {
  it('localNoise ignores a straight line and a single knee', () => {
    expect(
      localNoise(
        xs,
        xs.map((x) => 3 * x + 7),
      ),
    ).toBeCloseTo(0, 6)
    expect(localNoise(xs, [0, 10, 20, 30, 30, 30, 30])).toBe(0)
  })
  it('localNoise estimates the sd of iid noise', () => {
    const rand = rng(5)
    const x = Array.from({ length: 400 }, (_, i) => i)
    const y = x.map(() => poisson(rand, 10_000))
    // Poisson(10000): sd 100.
    expect(localNoise(x, y)).toBeGreaterThan(85)
    expect(localNoise(x, y)).toBeLessThan(115)
  })
  it('growthSdFactor is the least-squares factor with a Theil-Sen allowance', () => {
    // n = 7: sqrt(12*6/(7*8)) = 1.1339, x1.05
    expect(growthSdFactor(7)).toBeCloseTo(1.05 * Math.sqrt(72 / 56), 12)
  })
})
