import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/analysis/compare.js'
import type { AnalysisOptions } from '../../src/model/analysis.js'
import type { MemStats } from '../../src/model/profile.js'
import { DEFAULT_RATE, KiB, MiB, MODULE, type SideSpec, simulateSide, STACKS } from './fixtures.js'

const options: AnalysisOptions = {
  modulePath: MODULE,
  regressionThreshold: 0.1,
  alpha: 0.05,
  memProfileRate: DEFAULT_RATE,
}
const flatHeap = [{ stack: STACKS.handlerBuffer, live: 6 * MiB, allocPerReq: 6 * KiB }]
const step = (i: number | 'settled') => (i === 'settled' ? 6 : i)
/** RSS 20 MiB + 30 MiB per snapshot; MemStats say where it went. */
const rssGrowing = (memstats: (i: number) => Partial<MemStats>, extra: Partial<SideSpec> = {}): SideSpec => ({
  sites: flatHeap,
  rss: { start: 20 * MiB, perReq: (30 * MiB) / 15_000, jitter: 1 * MiB },
  memstats: (i) => ({
    heapInuse: 8 * MiB,
    heapSys: 16 * MiB,
    heapIdle: 8 * MiB,
    heapReleased: 6 * MiB,
    stackInuse: 512 * KiB,
    sys: 30 * MiB,
    numGC: 10 * step(i),
    ...memstats(step(i)),
  }),
  runtimeEnv: { GOGC: '100' },
  ...extra,
})
const rssFinding = (spec: SideSpec) =>
  compareSides(simulateSide(spec), undefined, options).findings.filter((f) => f.kind === 'rss-growth')

describe('RSS growth outside the heap', () => {
  it('goroutine stacks: StackInuse grew with RSS', () => {
    const [f] = rssFinding(
      rssGrowing((i) => ({ stackInuse: 512 * KiB + i * 28 * MiB, sys: 30 * MiB + i * 30 * MiB })),
    )
    expect(f).toBeDefined()
    expect(f.unit).toBe('B/req')
    expect(f.rate).toBeCloseTo(2048, -2)
    expect(f.details.hintRule).toBe('stacks')
    expect(f.details).toMatchObject({
      StackInuseStart: 512 * KiB,
      HeapInuseStart: 8 * MiB,
      HeapInuseEnd: 8 * MiB,
      GOGC: '100',
    })
    expect(f.summary).toMatch(
      /^RSS grew by 1\d\d MiB over \d+k requests \(2\d\.\d MiB -> 2\d\d MiB\) while the live heap grew by/,
    )
    expect(f.hint).toMatch(/Goroutine stacks grew by 168 MiB \(StackInuse\)/)
  })

  it('memory freed but not returned to the OS: HeapIdle - HeapReleased grew', () => {
    const [f] = rssFinding(
      rssGrowing((i) => ({
        heapIdle: 8 * MiB + i * 30 * MiB,
        heapSys: 16 * MiB + i * 30 * MiB,
        sys: 30 * MiB + i * 30 * MiB,
      })),
    )
    expect(f.details.hintRule).toBe('not-returned')
    expect(f.details.heapUnreturnedStart).toBe(2 * MiB)
    expect(f.details.heapUnreturnedEnd).toBe(182 * MiB)
    expect(f.hint).toMatch(/Set GOMEMLIMIT.*GODEBUG=madvdontneed=1.*debug\.FreeOSMemory\(\)/)
  })

  it('the Go runtime did not grow at all: memory outside Go (cgo, mappings)', () => {
    const [f] = rssFinding(rssGrowing(() => ({})))
    expect(f.details.hintRule).toBe('outside-go')
    expect(f.hint).toMatch(/outside the Go heap, in cgo or C libraries/)
  })

  it('no MemStats: still reported, with the generic explanation', () => {
    const [f] = rssFinding({ ...rssGrowing(() => ({})), memstats: undefined })
    expect(f.details.hintRule).toBe('runtime')
  })

  it('RSS that follows a growing live heap is the heap leak, not an RSS finding', () => {
    const spec = rssGrowing(() => ({}), {
      sites: [...flatHeap, { stack: STACKS.cacheLeak, retainPerReq: 2 * KiB }],
    })
    const a = compareSides(simulateSide(spec), undefined, options)
    expect(a.findings.map((f) => f.kind)).toEqual(['heap-leak'])
  })

  it('RSS that wobbles around a level is nothing, over many seeds', () => {
    for (let seed = 1; seed <= 50; seed++) {
      expect(rssFinding({ seed, sites: flatHeap, rss: { start: 60 * MiB, jitter: 6 * MiB } })).toEqual([])
    }
  })

  it('a few MiB of RSS creep is below the floor', () => {
    expect(rssFinding({ sites: flatHeap, rss: { start: 60 * MiB, perReq: (1 * MiB) / 15_000 } })).toEqual([])
  })
})
