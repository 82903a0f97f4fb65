import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/analysis/compare.js'
import { assignStatus, verdictOf } from '../../src/analysis/status.js'
import type { Trend } from '../../src/analysis/trend.js'
import type { AnalysisOptions, Finding, FindingKind } from '../../src/model/analysis.js'
import { DEFAULT_RATE, KiB, MiB, MODULE, simulateSide, STACKS } from './fixtures.js'

const finding = (kind: FindingKind, key: string, rate: number): Finding => ({
  kind,
  status: 'unknown',
  site: { key, function: key, stack: [] },
  rate,
  unit: 'B/req',
  growth: rate * 90_000,
  summary: '',
  hint: '',
  evidence: { requests: [], values: [] },
  details: {},
})
const trend = (slope: number, slopeHigh = slope * 1.2): Trend =>
  ({ slope, slopeLow: slope * 0.8, slopeHigh, reason: 'no significant increasing trend (p=0.2)' }) as Trend

describe('assignStatus', () => {
  const cases: {
    name: string
    head: number
    base?: { finding?: number; trend?: Trend }
    status: Finding['status']
  }[] = [
    { name: 'no base measured', head: 100, status: 'unknown' },
    { name: 'base has nothing at the site', head: 100, base: {}, status: 'new' },
    {
      name: 'base grows there at a quarter of the rate, undetected',
      head: 100,
      base: { trend: trend(25) },
      status: 'new',
    },
    {
      name: 'base grows there at 60% of the rate, below detection',
      head: 100,
      base: { trend: trend(60) },
      status: 'pre-existing',
    },
    {
      name: 'base leaks at a similar rate',
      head: 100,
      base: { finding: 90, trend: trend(90) },
      status: 'pre-existing',
    },
    {
      name: 'base leaks at 40%, its interval well below',
      head: 100,
      base: { finding: 40, trend: trend(40, 50) },
      status: 'worsened',
    },
    {
      name: 'base leaks at 40%, but its interval reaches the head rate',
      head: 100,
      base: { finding: 40, trend: trend(40, 120) },
      status: 'pre-existing',
    },
  ]
  for (const c of cases) {
    it(`${c.name}: ${c.status}`, () => {
      const head = [finding('heap-leak', 'main.store', c.head)]
      assignStatus(
        head,
        c.base && {
          findings: c.base.finding !== undefined ? [finding('heap-leak', 'main.store', c.base.finding)] : [],
          trend: (kind, key) => (kind === 'heap-leak' && key === 'main.store' ? c.base!.trend : undefined),
        },
      )
      expect(head[0].status).toBe(c.status)
      if (c.base) expect(head[0].baseRate).toBeDefined()
      if (c.status === 'pre-existing' && c.base?.finding === undefined)
        expect(head[0].details.baseBelowDetection).toMatch(/base grows here too/)
    })
  }
  it('matches by kind as well as site', () => {
    const head = [finding('goroutine-leak', 'main.store', 1)]
    assignStatus(head, { findings: [finding('heap-leak', 'main.store', 1)], trend: () => undefined })
    expect(head[0].status).toBe('new')
  })
})

describe('verdict', () => {
  it('bounded growth is information, not a leak; new and worsened leaks are new', () => {
    const bounded = { ...finding('bounded-growth', 'a', 1), status: 'new' as const }
    expect(verdictOf([bounded], false)).toEqual({ leak: false, newLeak: false, regression: false })
    const pre = { ...finding('heap-leak', 'b', 1), status: 'pre-existing' as const }
    expect(verdictOf([bounded, pre], true)).toEqual({ leak: true, newLeak: false, regression: true })
    const worse = { ...finding('rss-growth', 'c', 1), status: 'worsened' as const }
    expect(verdictOf([pre, worse], false)).toEqual({ leak: true, newLeak: true, regression: false })
  })
})

describe('status end to end', () => {
  const options: AnalysisOptions = {
    modulePath: MODULE,
    regressionThreshold: 0.1,
    alpha: 0.05,
    memProfileRate: DEFAULT_RATE,
  }
  const background = [{ stack: STACKS.handlerBuffer, live: 6 * MiB, allocPerReq: 6 * KiB }]
  const side = (
    seed: number,
    retain: number | undefined,
    goroutinesPerReq?: number,
    which: 'base' | 'head' = 'head',
  ) =>
    simulateSide({
      seed,
      side: which,
      sites: [
        ...background,
        ...(retain ? [{ stack: STACKS.cacheLeak, retainPerReq: retain, allocPerReq: retain }] : []),
      ],
      goroutines: [
        { stack: STACKS.serveConn, start: 16, jitter: 2 },
        ...(goroutinesPerReq
          ? [
              {
                stack: STACKS.chanSend,
                start: 2,
                perReq: goroutinesPerReq,
                state: 'chan send',
                createdBy: 'main.notify',
              },
            ]
          : []),
      ],
    })

  it('a leak the pull request adds is new and sets newLeak', () => {
    const a = compareSides(side(1, 512), side(2, undefined, undefined, 'base'), options)
    expect(a.findings.map((f) => [f.kind, f.status])).toEqual([['heap-leak', 'new']])
    expect(a.verdict).toMatchObject({ leak: true, newLeak: true })
  })
  it('a leak base already had, at the same rate, is pre-existing: leak but not newLeak', () => {
    const a = compareSides(side(1, 512, 0.001), side(2, 512, 0.001, 'base'), options)
    expect(a.findings.map((f) => [f.kind, f.status]).sort()).toEqual([
      ['goroutine-leak', 'pre-existing'],
      ['heap-leak', 'pre-existing'],
    ])
    expect(a.verdict).toMatchObject({ leak: true, newLeak: false })
    expect(a.findings[0].baseRate).toBeGreaterThan(0)
  })
  it('a goroutine leak four times as fast is worsened', () => {
    const a = compareSides(side(1, undefined, 0.002), side(2, undefined, 0.0005, 'base'), options)
    expect(a.findings.map((f) => [f.kind, f.status])).toEqual([['goroutine-leak', 'worsened']])
    expect(a.findings[0].baseRate).toBeCloseTo(0.0005, 4)
    expect(a.verdict.newLeak).toBe(true)
  })
})
