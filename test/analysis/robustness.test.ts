import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/analysis/compare.js'
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
const sites = [{ stack: STACKS.handlerBuffer, live: 6 * MiB, allocPerReq: 6 * KiB }]

/** No NaN may reach the report: JSON would turn it into null silently. */
function expectFinite(value: unknown, path = 'analysis'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) && !(path.endsWith('.change') && value === Infinity))
      throw new Error(`${path} = ${value}`)
  } else if (Array.isArray(value)) value.forEach((v, i) => expectFinite(v, `${path}[${i}]`))
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) expectFinite(v, `${path}.${k}`)
}

describe('degenerate runs do not break the analysis', () => {
  const cases: [string, () => SideData][] = [
    ['no snapshot, only the settled one', () => ({ ...simulateSide({ points: 1, sites }), snapshots: [] })],
    ['one snapshot', () => simulateSide({ points: 1, sites })],
    ['two snapshots', () => simulateSide({ points: 2, sites })],
    [
      'a stalled load (no requests between snapshots)',
      () => simulateSide({ sites, requestsPerWindow: 0, requestJitter: 0 }),
    ],
    [
      'an empty heap profile',
      () =>
        sideFromHeaps(
          [1, 2, 3, 4],
          [1, 2, 3, 4].map(() => heapProfile([])),
          heapProfile([]),
        ),
    ],
    [
      'a profile without inuse sample types',
      () => {
        const p = {
          ...heapProfile([{ stack: ['main.f'], inuse: 1, alloc: 1 }]),
          sampleTypes: [{ type: 'samples', unit: 'count' }],
        }
        return sideFromHeaps([1, 2, 3, 4], [p, p, p, p], p)
      },
    ],
  ]
  it.each(cases)('%s', (_, make) => {
    const side = make()
    const a = compareSides(side, { ...make(), side: 'base' }, options)
    expect(a.verdict).toEqual({ leak: false, newLeak: false, regression: false })
    expectFinite(a)
    expect(a.head.heapSeries.length).toBe(side.snapshots.length + 1)
  })
})
