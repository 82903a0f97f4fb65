import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/analysis/compare.js'
import { allocWindows, compareRates, TOTAL_SITE } from '../../src/analysis/regression.js'
import { holm } from '../../src/analysis/stats.js'
import type { AnalysisOptions, SideData } from '../../src/model/analysis.js'
import {
  DEFAULT_RATE,
  heapProfile,
  KiB,
  MiB,
  MODULE,
  sideFromHeaps,
  simulateSide,
  STACKS,
} from './fixtures.js'

const options: AnalysisOptions = {
  modulePath: MODULE,
  regressionThreshold: 0.1,
  alpha: 0.05,
  memProfileRate: DEFAULT_RATE,
}

/** A side whose sites allocate exactly the given bytes per request in each window. */
function allocSide(side: 'base' | 'head', perWindow: Record<string, number[]>): SideData {
  const windows = Object.values(perWindow)[0].length
  const requests = Array.from({ length: windows + 1 }, (_, i) => 10_000 + i * 10_000)
  const cumulative: Record<string, number> = {}
  const heaps = requests.map((_, i) =>
    heapProfile(
      Object.entries(perWindow).map(([fn, w]) => {
        cumulative[fn] = (cumulative[fn] ?? 1_000_000) + (i > 0 ? w[i - 1] * 10_000 : 0)
        return {
          stack: [fn, 'main.handle'],
          inuse: 0,
          alloc: cumulative[fn],
          allocObjects: cumulative[fn] / 32,
        }
      }),
    ),
  )
  return { ...sideFromHeaps(requests, heaps, heaps[heaps.length - 1]), side }
}

describe('allocation windows', () => {
  it('divide each window’s allocation by its requests, skipping stalled windows', () => {
    expect(allocWindows([0, 100, 100, 300], [0, 1000, 1500, 3500], [0, 10, 15, 35])).toEqual({
      bytes: [10, 10],
      objects: [0.1, 0.1],
    })
  })
  it('compareRates: ratio of medians, Mann-Whitney p, Hodges-Lehmann interval on log windows', () => {
    const base = { bytesPerRequest: 100, objectsPerRequest: 1, windows: [98, 99, 100, 101, 102, 103] }
    const head = { bytesPerRequest: 120, objectsPerRequest: 1, windows: [118, 119, 120, 121, 122, 123] }
    const c = compareRates(TOTAL_SITE, head, base, 0.05)
    expect(c.change).toBeCloseTo(0.2, 10)
    // Complete separation, 6 vs 6: exact two-sided p = 2/924.
    expect(c.pValue).toBeCloseTo(2 / 924, 12)
    expect(c.significant).toBe(true)
    expect(c.ci![0]).toBeGreaterThan(0.14)
    expect(c.ci![1]).toBeLessThan(0.26)
    expect(c.ci![0]).toBeLessThan(0.2)
    expect(c.ci![1]).toBeGreaterThan(0.2)
    // A site absent on base is new: change Infinity.
    expect(
      compareRates(
        TOTAL_SITE,
        head,
        { bytesPerRequest: 0, objectsPerRequest: 0, windows: [0, 0, 0, 0, 0, 0] },
        0.05,
      ).change,
    ).toBe(Infinity)
  })
})

describe('regression verdict', () => {
  const sites = (allocPerReq: number) => [
    { stack: STACKS.handlerBuffer, live: 4 * MiB, allocPerReq },
    { stack: STACKS.connServe, live: 1 * MiB, allocPerReq: 300 },
  ]
  it('+20% bytes per request under real sampling noise: a significant regression', () => {
    let flagged = 0
    for (let seed = 1; seed <= 20; seed++) {
      const base = simulateSide({ seed, side: 'base', sites: sites(8 * KiB) })
      const head = simulateSide({ seed: seed + 1000, sites: sites(8 * KiB * 1.2 + 60) })
      const a = compareSides(head, base, options)
      if (a.verdict.regression) flagged++
      // Each window holds ~240 samples at 512 KiB: +-6.5% per window.
      expect(a.total.change).toBeGreaterThan(0.05)
      expect(a.total.change).toBeLessThan(0.4)
    }
    expect(flagged).toBeGreaterThanOrEqual(18)
  })

  it('the same code on both sides: no regression over 50 seeds but at most a few (alpha)', () => {
    let flagged = 0
    for (let seed = 1; seed <= 50; seed++) {
      const a = compareSides(
        simulateSide({ seed, sites: sites(8 * KiB) }),
        simulateSide({ seed: seed + 5000, side: 'base', sites: sites(8 * KiB) }),
        options,
      )
      if (a.verdict.regression) flagged++
    }
    expect(flagged).toBeLessThanOrEqual(2)
  })

  it('significant but below the threshold is not a regression', () => {
    const base = allocSide('base', { 'main.render': [1000, 1001, 1002, 1003, 1004, 1005] })
    const head = allocSide('head', { 'main.render': [1050, 1051, 1052, 1053, 1054, 1055] })
    const a = compareSides(head, base, options)
    expect(a.total.significant).toBe(true)
    expect(a.total.change).toBeCloseTo(0.05, 2)
    expect(a.verdict.regression).toBe(false)
  })

  it('three windows a side can never be significant: no regression, and a note says why', () => {
    const base = allocSide('base', { 'main.render': [1000, 1001, 1002] })
    const head = allocSide('head', { 'main.render': [2000, 2001, 2002] })
    const a = compareSides(head, base, options)
    expect(a.total.change).toBeCloseTo(1, 2)
    expect(a.total.pValue).toBeCloseTo(0.1, 10)
    expect(a.verdict.regression).toBe(false)
    expect(a.notes.join('\n')).toMatch(
      /With 3 head and 3 base windows the allocation comparison cannot reach significance \(smallest possible p = 0\.10\)/,
    )
    expect(a.notes.join('\n')).toMatch(/changed by \+100%, past the threshold, but not significantly/)
  })

  it('no base: no comparison, but head’s top allocators are listed', () => {
    const a = compareSides(
      allocSide('head', { 'main.render': [900, 1000, 1100], 'main.small': [10, 10, 10] }),
      undefined,
      options,
    )
    expect(a.verdict.regression).toBe(false)
    expect(a.total.base).toBeUndefined()
    expect(a.growing).toEqual([])
    expect(a.topAllocators!.map((r) => r.site.key)).toEqual(['main.render', 'main.small'])
    expect(a.topAllocators![0].head.bytesPerRequest).toBe(1000)
  })
})

describe('per-site changes', () => {
  // Six windows a side; p-values are exact, Holm-adjusted over the sites kept.
  const base = allocSide('base', {
    'main.grows': [1000, 1010, 1020, 1030, 1040, 1050],
    'main.growsNoisy': [500, 700, 520, 680, 540, 660],
    'main.shrinks': [2000, 2010, 2020, 2030, 2040, 2050],
    'main.same': [800, 810, 790, 805, 795, 800],
    'main.tiny': [10, 11, 12, 10, 11, 12],
  })
  const head = allocSide('head', {
    'main.grows': [1500, 1510, 1520, 1530, 1540, 1550],
    'main.growsNoisy': [560, 760, 580, 740, 600, 720],
    'main.shrinks': [1000, 1010, 1020, 1030, 1040, 1050],
    'main.same': [800, 812, 788, 806, 794, 801],
    'main.tiny': [30, 31, 32, 30, 31, 32],
    'main.added': [700, 710, 720, 730, 740, 750],
  })
  const a = compareSides(head, base, options)
  const rows = [...a.growing, ...a.improved]

  it('drops sites below 64 B/req and 1% of the total as noise', () => {
    expect(rows.map((r) => r.site.key)).not.toContain('main.tiny')
  })
  it('adjusts p-values with Holm over the sites compared', () => {
    const raw = rows.map((r) => r.pValue!)
    const adjusted = holm(raw)
    rows.forEach((r, i) => {
      expect(r.adjustedPValue).toBeCloseTo(adjusted[i], 12)
      expect(r.significant).toBe(adjusted[i] < 0.05)
    })
    // Fully separated 6 vs 6 (p = 2/924 = 0.0022) survives 5 comparisons: 5 x 0.0022 = 0.011.
    expect(a.growing.find((r) => r.site.key === 'main.grows')!.significant).toBe(true)
    // A noisy +10% does not.
    const noisy = a.growing.find((r) => r.site.key === 'main.growsNoisy')!
    expect(noisy.significant).toBe(false)
  })
  it('orders growing rows: significant first, then by bytes per request added', () => {
    expect(a.growing.map((r) => r.site.key)).toEqual([
      'main.added',
      'main.grows',
      'main.growsNoisy',
      'main.same',
    ])
    expect(a.growing[0].change).toBe(Infinity)
    expect(a.growing[0].base!.bytesPerRequest).toBe(0)
  })
  it('reports improvements too', () => {
    expect(a.improved.map((r) => r.site.key)).toEqual(['main.shrinks'])
    expect(a.improved[0].change).toBeCloseTo(1025 / 2025 - 1, 10)
    expect(a.improved[0].significant).toBe(true)
  })
})
