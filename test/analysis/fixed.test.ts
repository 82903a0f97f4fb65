import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/analysis/compare.js'
import type { AnalysisOptions } from '../../src/model/analysis.js'
import { KiB, MiB, MODULE, type SideSpec, simulateSide, STACKS } from './fixtures.js'

const options: AnalysisOptions = {
  modulePath: MODULE,
  regressionThreshold: 0.1,
  alpha: 0.05,
  memProfileRate: 64 * KiB,
}
const healthy: SideSpec = {
  rate: 64 * KiB,
  sites: [{ stack: STACKS.handlerBuffer, live: 6 * MiB, allocPerReq: 6 * KiB }],
  goroutines: [{ stack: STACKS.serveConn, start: 16, jitter: 2 }],
  fds: { start: 24, jitter: 1 },
}
const leaking = (retainPerReq: number): SideSpec => ({
  ...healthy,
  sites: [...healthy.sites!, { stack: STACKS.cacheLeak, retainPerReq, allocPerReq: retainPerReq }],
})

describe('what a PR fixes', () => {
  it("base's leak gone on head: a fixed entry naming base's site, nothing on head", () => {
    const a = compareSides(
      simulateSide({ ...healthy, seed: 3 }),
      simulateSide({ ...leaking(400), seed: 4, side: 'base' }),
      options,
    )
    expect(a.findings.filter((f) => f.kind === 'heap-leak')).toEqual([])
    expect(a.fixed).toHaveLength(1)
    expect(a.fixed![0]).toMatchObject({ kind: 'heap-leak', how: 'gone', unit: 'B/req' })
    expect(a.fixed![0].site.ownFrame?.function).toBe(`${MODULE}/internal/cache.(*Cache).Put`)
    expect(a.fixed![0].baseRate).toBeGreaterThan(300)
    expect(a.verdict.leak).toBe(false)
  })

  it('a leak slowed to a tenth is fixed in part (slower); one at the same rate is not fixed', () => {
    const slower = compareSides(
      simulateSide({ ...leaking(2048), seed: 5 }),
      simulateSide({ ...leaking(20 * KiB), seed: 6, side: 'base' }),
      options,
    )
    expect(slower.fixed?.map((f) => f.how)).toEqual(['slower'])
    const same = compareSides(
      simulateSide({ ...leaking(2048), seed: 7 }),
      simulateSide({ ...leaking(2048), seed: 8, side: 'base' }),
      options,
    )
    expect(same.fixed).toBeUndefined()
    expect(same.findings.find((f) => f.kind === 'heap-leak')?.status).toBe('pre-existing')
  })

  it('no base: nothing can be fixed', () => {
    expect(compareSides(simulateSide(healthy), undefined, options).fixed).toBeUndefined()
  })
})
