import { describe, expect, it } from 'vitest'
import { smallestDetectableHeapGrowth } from '../../src/analysis/notes.js'
import {
  finalAlpha,
  lookAlpha,
  snapshotDueMs,
  snapshotSchedule,
  spentAlpha,
} from '../../src/analysis/spending.js'
import { median } from '../../src/analysis/stats.js'
import { mannWhitneyMinP } from '../../src/analysis/rank-tests.js'
import {
  decideStop,
  detectableLeak,
  regressionPower,
  type StopSnapshot,
  type StoppingOptions,
} from '../../src/analysis/stopping.js'
import { rng } from './random.js'
import { DEFAULTS, RATE, regressionFound, type SimSide, simulateSide } from './stopping-sim.js'

const options: StoppingOptions = { ...DEFAULTS, memProfileRate: RATE }
const aopts = { modulePath: '', alpha: 0.05, regressionThreshold: 0.1, memProfileRate: RATE }

/** Snapshots on the schedule at `rps`, heap = level + leak * requests, allocation `alloc` B/req (+-2%). */
/** The last snapshots taken at these times (held by a service that stopped answering). */
function held(snaps: StopSnapshot[], times: number[]): StopSnapshot[] {
  const from = snaps.length - times.length
  return snaps.map((s, i) => (i < from ? s : { ...s, elapsedMs: times[i - from]! }))
}

/** Two sites under the same total: `cache` gains `step` bytes a snapshot, `other` loses them. */
function withSites(snaps: StopSnapshot[], step: number): StopSnapshot[] {
  return snaps.map((s, i) => ({
    ...s,
    sites: new Map([
      ['0x1 0x2', 8e6 + step * i + 30_000 * Math.sin(i * 1.3)],
      ['0x3 0x4', 12e6 - step * i + 30_000 * Math.cos(i * 0.7)],
    ]),
  }))
}

function series(
  count: number,
  o: { rps?: number; leak?: number; level?: number; alloc?: number; rss?: number[] } = {},
) {
  const rps = o.rps ?? 20_000
  const out: StopSnapshot[] = []
  let alloc = 0
  for (let i = 0; i < count; i++) {
    const t = snapshotDueMs(i, options.maxDurationMs)
    const requests = Math.round((rps * t) / 1000)
    if (i > 0) alloc += (requests - out[i - 1].requests) * (o.alloc ?? 2700) * (1 + 0.02 * Math.sin(i * 2.3))
    const jitter = 40_000 * Math.sin(i * 1.7)
    out.push({
      elapsedMs: t,
      requests,
      liveHeapBytes: (o.level ?? 1_000_000) + jitter + (o.leak ?? 0) * requests,
      allocBytes: alloc,
      goroutines: 22,
      rssBytes: o.rss?.[i],
    })
  }
  return out
}

describe('snapshot schedule', () => {
  it.each([
    [60_000, 15, [500, 1125, 1906]],
    [20_000, 11, [500, 1125, 1906]],
    [2_000, 3, [500, 1125]],
  ])('%i ms: %i snapshots after S0, dense early, the last on the longest measurement', (d, count, first) => {
    const s = snapshotSchedule(d)
    expect(s.length).toBe(count)
    expect(s.slice(0, first.length).map(Math.round)).toEqual(first)
    expect(s.at(-1)).toBe(d)
    for (let i = 1; i < s.length - 2; i++) expect(s[i + 1] - s[i]).toBeGreaterThan(s[i] - s[i - 1])
    expect(snapshotDueMs(0, d)).toBe(0)
    expect(snapshotDueMs(count + 1, d)).toBe(Infinity)
  })
})

describe('error spending (Lan-DeMets, Pocock-type)', () => {
  it('spends nothing at 0, all of alpha at the end, more early than in proportion', () => {
    expect(spentAlpha(0, 0.05)).toBe(0)
    expect(spentAlpha(1, 0.05)).toBeCloseTo(0.05, 12)
    expect(spentAlpha(2, 0.05)).toBeCloseTo(0.05, 12)
    expect(spentAlpha(0.1, 0.05)).toBeGreaterThan(0.005)
  })
  it("the looks' increments and the final level add up to alpha, whenever the side stops", () => {
    const ts = snapshotSchedule(60_000).map((ms) => ms / 60_000)
    for (let stopAt = 1; stopAt < ts.length; stopAt++) {
      let total = 0
      for (let k = 0; k < stopAt; k++) total += lookAlpha(k > 0 ? ts[k - 1] : 0, ts[k], 0.05)
      total += finalAlpha(ts[stopAt - 1], 0.05)
      expect(total).toBeCloseTo(0.05, 12)
    }
  })
})

describe('floors', () => {
  it("power 0.5 is the note's floor; power 0.9 needs more", () => {
    for (const n of [4, 8, 16]) {
      expect(detectableLeak(n, 100_000, aopts) * 100_000).toBeCloseTo(
        smallestDetectableHeapGrowth(n, aopts),
        6,
      )
      expect(detectableLeak(n, 100_000, aopts, 0.9)).toBeGreaterThan(detectableLeak(n, 100_000, aopts))
    }
    expect(detectableLeak(2, 100_000, aopts)).toBe(Infinity)
    expect(detectableLeak(8, 0, aopts)).toBe(Infinity)
  })
  it.each([
    ['3 vs 3 windows cannot reach 0.05', [1, 1.1, 0.9], [1, 1.05, 0.95], 0],
    ['tight windows, 5 vs 5', [100, 101, 99, 100, 102], [100, 99, 101, 100, 98], 1],
  ])('regression power: %s', (_, head, base, expected) => {
    expect(regressionPower(head, base, 0.1, 0.05)).toBeCloseTo(expected, 3)
  })
  it('regression power grows with windows and falls with their spread', () => {
    const w = (n: number, s: number) =>
      Array.from({ length: n }, (_, i) => 1000 * (1 + s * Math.sin(i * 2.1)))
    expect(mannWhitneyMinP(5, 5)).toBeLessThan(0.05)
    expect(regressionPower(w(10, 0.08), w(10, 0.08), 0.1, 0.05)).toBeGreaterThan(
      regressionPower(w(5, 0.08), w(5, 0.08), 0.1, 0.05),
    )
    expect(regressionPower(w(8, 0.02), undefined, 0.1, 0.05)).toBeGreaterThan(
      regressionPower(w(8, 0.1), undefined, 0.1, 0.05),
    )
  })
})

describe('decideStop', () => {
  const cases: [string, Parameters<typeof decideStop>[0], string, RegExp][] = [
    ['S0 alone', { side: 'base', snapshots: series(1), options }, 'continue', /./],
    [
      'healthy, 7 snapshots: too few to call clean',
      { side: 'base', snapshots: series(7), options },
      'continue',
      /./,
    ],
    [
      'healthy, 8 snapshots',
      { side: 'base', snapshots: series(8), options },
      'floor-reached',
      /^floor [\d.]+ B\/req reached$/,
    ],
    [
      // A full cache whose sampled entries drift up at its own site while the whole heap does not.
      'healthy total, one site still growing: measure on',
      { side: 'base', snapshots: withSites(series(8), 1_000_000), options },
      'continue',
      /^live heap still growing/,
    ],
    [
      'healthy total, sites that only wobble: clean',
      { side: 'base', snapshots: withSites(series(8), 0), options },
      'floor-reached',
      /^floor/,
    ],
    [
      'healthy head beside a base of 7 windows',
      {
        side: 'head',
        snapshots: series(8),
        options,
        baseWindows: series(8)
          .slice(1)
          .map(() => 2700),
      },
      'floor-reached',
      /reached/,
    ],
    ['head with no base', { side: 'head', snapshots: series(8), options }, 'floor-reached', /reached/],
    [
      'a slow service: the floor is far',
      { side: 'base', snapshots: series(8, { rps: 50 }), options },
      'continue',
      /target 32 B\/req/,
    ],
    [
      '1 KiB/req leak, 6 s in',
      { side: 'head', snapshots: series(8, { leak: 1024 }), options },
      'leak-certain',
      /^leak certain/,
    ],
    [
      '1 KiB/req leak before 8% of duration: not yet',
      { side: 'head', snapshots: series(6, { leak: 1024 }), options },
      'continue',
      /./,
    ],
    [
      'RSS past the budget',
      {
        side: 'head',
        snapshots: series(3, { rss: [1e9, 2e9, 5e9] }),
        options: { ...options, memoryBudgetBytes: 4e9 },
      },
      'memory-budget',
      /passed the 3\.73 GiB budget/,
    ],
    [
      'RSS would pass the budget before the next snapshot',
      {
        side: 'head',
        snapshots: series(3, { rss: [1e9, 2e9, 3.5e9] }),
        options: { ...options, memoryBudgetBytes: 4e9 },
      },
      'memory-budget',
      /would pass/,
    ],
    [
      'the longest measurement reached',
      { side: 'base', snapshots: series(5), options: { ...options, maxDurationMs: 2_883.5 } },
      'max-duration',
      /longest measurement 3 s/,
    ],
    [
      // A stalled service holds each snapshot until its requests time out: S2 came after duration.
      'past the longest measurement on 3 snapshots: one more, at once',
      { side: 'base', snapshots: series(3), options: { ...options, maxDurationMs: 1_000 } },
      'continue',
      /too few snapshots for a trend/,
    ],
    [
      'S3 held until its requests timed out, past duration: one more, at once',
      { side: 'base', snapshots: held(series(4), [11_900]), options: { ...options, maxDurationMs: 4_000 } },
      'continue',
      /the last snapshot was held/,
    ],
    [
      'and after that one, held too: the end',
      {
        side: 'base',
        snapshots: held(series(5), [11_900, 21_900]),
        options: { ...options, maxDurationMs: 4_000 },
      },
      'max-duration',
      /longest measurement 4 s/,
    ],
  ]
  it.each(cases)('%s', (_, input, expected, why) => {
    const d = decideStop(input)
    expect(d.action === 'stop' ? d.reason : d.action).toBe(expected)
    expect(d.why).toMatch(why)
    expect(d.trendAlpha).toBeGreaterThan(0)
    expect(d.trendAlpha).toBeLessThanOrEqual(0.05)
  })
  it('continues on the schedule, and waits for 200 requests on a slow service', () => {
    const d = decideStop({ side: 'base', snapshots: series(3), options })
    expect(d.action === 'continue' && d.nextDueMs).toBe(snapshotDueMs(3, 60_000))
    const slow = decideStop({ side: 'base', snapshots: series(3, { rps: 50 }), options })
    expect(slow.action === 'continue' && slow.nextDueMs).toBeGreaterThan(snapshotDueMs(3, 60_000) + 1000)
  })
  it('the final level is what the interim looks left', () => {
    const d = decideStop({ side: 'base', snapshots: series(10, { rps: 50 }), options })
    const looked = snapshotDueMs(8, 60_000) / 60_000
    expect(d.trendAlpha).toBeCloseTo(finalAlpha(looked, 0.05), 12)
    expect(d.lookAlpha).toBeGreaterThan(0)
  })
})

// ------------------------------------------------------------------ calibration

const healthy: SimSide = { level: 15, alloc: 2700, requestsPerSecond: 20_000 }
const controls: Record<string, SimSide> = {
  'flat heap': healthy,
  'bounded cache filling in 3 s': { ...healthy, alloc: 3700, ring: { entries: 60_000, bytes: 1024 } },
  'ring full in the first interval': { ...healthy, alloc: 3700, ring: { entries: 10_000, bytes: 1024 } },
  'churning heap': { level: 300, scatter: 0.03, alloc: 270_000, allocNoise: 0.05, requestsPerSecond: 5_000 },
}

/** base then head, seeded; what the analysis would conclude on head, and when each stopped. */
function study(trials: number, head: SimSide, base: SimSide = healthy) {
  let leaks = 0
  let regressions = 0
  const ms: number[] = []
  const points: number[] = []
  const reasons: Record<string, number> = {}
  for (let s = 1; s <= trials; s++) {
    const rand = rng(s * 7919 + 3)
    const b = simulateSide(rand, base, 'base')
    const h = simulateSide(rand, head, 'head', DEFAULTS, b.windows)
    if (h.leak) leaks++
    if (regressionFound(h, b, aopts)) regressions++
    ms.push(h.elapsedMs)
    points.push(h.snapshots.length)
    reasons[h.decision.reason] = (reasons[h.decision.reason] ?? 0) + 1
  }
  return { leaks, regressions, medianMs: median(ms), medianSnapshots: median(points), reasons }
}

describe('sequential stopping under heap sampling noise (calibration)', () => {
  it.each(Object.entries(controls))(
    '%s: no more false leaks than 1 in 100, and not a regression, over 1000 runs',
    (_, side) => {
      const r = study(1000, side, side)
      expect(r.leaks).toBeLessThanOrEqual(10)
      expect(r.regressions).toBeLessThanOrEqual(10)
      // A clean side stops well before the 60 s it used to take.
      expect(r.medianMs).toBeLessThanOrEqual(10_000)
    },
    60_000,
  )
  it.each([
    [8, 850],
    [32, 990],
    [128, 995],
    [1024, 1000],
  ])(
    'a leak of %i B/req: found in at least %i of 1000',
    (bytes, found) => {
      const r = study(1000, { ...healthy, leak: bytes })
      expect(r.leaks).toBeGreaterThanOrEqual(found)
    },
    60_000,
  )
  it('a 1 KiB/req leak is certain at the first look, 5.6 s into a 60 s side', () => {
    const r = study(200, { ...healthy, leak: 1024 })
    expect(r.reasons['leak-certain']).toBe(200)
    expect(r.medianMs).toBeLessThanOrEqual(6_000)
  })
})
