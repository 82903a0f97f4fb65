import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/analysis/compare.js'
import type { AnalysisOptions } from '../../src/model/analysis.js'
import { DEFAULT_RATE, KiB, MiB, MODULE, type SideSpec, simulateSide, STACKS } from './fixtures.js'

const options: AnalysisOptions = {
  modulePath: MODULE,
  regressionThreshold: 0.1,
  alpha: 0.05,
  memProfileRate: DEFAULT_RATE,
}

/** A healthy service: handler garbage, connection buffers, one goroutine per keep-alive connection. */
const healthy: SideSpec = {
  sites: [
    { stack: STACKS.handlerBuffer, live: 6 * MiB, allocPerReq: 6 * KiB },
    { stack: STACKS.connServe, live: 1 * MiB, allocPerReq: 200 },
  ],
  goroutines: [{ stack: STACKS.serveConn, start: 16, jitter: 2 }],
  fds: { start: 24, jitter: 1 },
  rss: { start: 30 * MiB, jitter: 1 * MiB },
  memstats: (i) => ({
    heapInuse: 8 * MiB,
    stackInuse: 512 * KiB,
    sys: 40 * MiB,
    numGC: i === 'settled' ? 61 : 10 * i,
    gcCPUFraction: 0.01,
  }),
  runtimeEnv: { GOGC: '100', GOMEMLIMIT: '512MiB' },
}

describe('the seed scenario: the four classic causes at once', () => {
  const head = simulateSide({
    ...healthy,
    seed: 7,
    sites: [
      ...healthy.sites!,
      // A global map cache that only grows.
      {
        stack: [
          `${MODULE}/internal/cache.(*Cache).Put:31`,
          'main.handleUsers:58',
          'net/http.HandlerFunc.ServeHTTP',
        ],
        retainPerReq: 400,
        allocPerReq: 400,
      },
      // Outbound calls whose response bodies are never closed.
      { stack: STACKS.clientDo, allocPerReq: 2 * KiB, live: 64 * KiB },
    ],
    goroutines: [
      ...healthy.goroutines!,
      { stack: STACKS.chanSend, start: 1, perReq: 0.001, state: 'chan send', createdBy: 'main.notify' },
      {
        stack: STACKS.readLoop,
        start: 0,
        perReq: 0.0008,
        state: 'select',
        createdBy: 'net/http.(*Transport).dialConn',
      },
      {
        stack: STACKS.writeLoop,
        start: 0,
        perReq: 0.0008,
        state: 'select',
        createdBy: 'net/http.(*Transport).dialConn',
      },
    ],
    fds: { start: 24, perReq: 0.0008 },
  })
  const base = simulateSide({ ...healthy, seed: 8, side: 'base' })
  const a = compareSides(head, base, options)

  it('finds each cause once, as new, and points at the code to change, most harmful first', () => {
    // 400 B/req of map entries outweigh 0.8 leaked connections and 1 parked goroutine per 1k requests.
    expect(a.findings.map((f) => [f.kind, f.status, f.site.ownFrame?.function])).toEqual([
      ['heap-leak', 'new', `${MODULE}/internal/cache.(*Cache).Put`],
      ['connection-leak', 'new', 'main.fetchUpstream'],
      ['goroutine-leak', 'new', 'main.notify.func1'],
    ])
    expect(a.findings[0].site.ownFrame).toEqual({
      function: `${MODULE}/internal/cache.(*Cache).Put`,
      file: `${MODULE}/internal/cache/file.go`,
      line: 31,
    })
    // The new outbound calls and the cache also allocate: +2.4 KiB on ~6.2 KiB per request.
    expect(a.verdict).toEqual({ leak: true, newLeak: true, regression: true })
    expect(a.growing.slice(0, 2).map((r) => r.site.ownFrame?.function)).toEqual([
      'main.fetchUpstream',
      `${MODULE}/internal/cache.(*Cache).Put`,
    ])
    expect(a.growing[0].change).toBe(Infinity)
  })

  it('summarises each side', () => {
    expect(a.head).toMatchObject({
      side: 'head',
      requests: head.load.requests,
      errors: 0,
      p99LatencyMs: 5,
      goroutinesStart: 17,
      openFdsStart: 24,
      gc: { numGC: 60, gcCPUFraction: 0.01, gogc: '100', gomemlimit: '512MiB' },
    })
    expect(a.head.goroutinesEnd).toBeGreaterThan(200)
    expect(a.head.openFdsEnd).toBeGreaterThan(90)
    expect(a.head.heapGrowthPer1kRequests).toBeGreaterThan(200 * 1000)
    expect(a.head.liveHeapEnd).toBeGreaterThan(a.head.liveHeapStart)
    expect(a.head.liveHeapSettled).toBeGreaterThan(20 * MiB)
    expect(a.head.heapSeries.map((p) => p.label)).toEqual(['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'Sf'])
    expect(a.head.heapSeries[6].inuseBytes).toBe(a.head.liveHeapEnd)
    expect(a.head.allocBytesPerRequest).toBeGreaterThan(8 * KiB)
    expect(a.head.rssPeakBytes).toBeGreaterThan(25 * MiB)
    expect(a.base!.side).toBe('base')
    expect(a.base!.goroutinesEnd).toBeLessThan(25)
    expect(a.total.base!.bytesPerRequest).toBeCloseTo(a.base!.allocBytesPerRequest, 6)
  })
})

describe('a healthy service', () => {
  it('has no findings, no regression, and a JSON-serialisable analysis', () => {
    const a = compareSides(
      simulateSide({ ...healthy, seed: 11 }),
      simulateSide({ ...healthy, seed: 12, side: 'base' }),
      options,
    )
    expect(a.findings).toEqual([])
    expect(a.verdict).toEqual({ leak: false, newLeak: false, regression: false })
    expect(() => JSON.stringify(a)).not.toThrow()
  })
})

describe('notes', () => {
  const notesOf = (head: SideSpec, base?: SideSpec, opts = options) =>
    compareSides(simulateSide(head), base && simulateSide({ ...base, side: 'base' }), opts).notes.join('\n')

  it('no base', () => {
    expect(notesOf(healthy)).toMatch(/^No base measured: findings are for head alone/m)
  })
  it('errors under load and a stalled load are left to the capture, which words them once', () => {
    expect(notesOf({ ...healthy, errors: 3000 })).not.toMatch(/requests failed/)
    expect(notesOf({ ...healthy, requestsPerWindow: 0, requestJitter: 0 })).not.toMatch(/stall|no progress/)
  })
  it('too few snapshots for a trend to be significant', () => {
    expect(notesOf({ ...healthy, points: 3 })).toMatch(
      /head: 3 snapshots cannot show a significant trend \(the smallest possible p is 0\.17/,
    )
    expect(notesOf({ ...healthy, points: 5 })).not.toMatch(/cannot show a significant trend/)
  })
  it('thin windows', () => {
    expect(notesOf({ ...healthy, requestsPerWindow: 120 })).toMatch(
      /only 1\d\d requests in the thinnest window/,
    )
  })
  it('missing goroutine profiles', () => {
    expect(notesOf({ ...healthy, goroutines: undefined })).toMatch(/goroutine profiles missing/)
  })
  it('the heap sampling resolution, and how to sharpen it', () => {
    expect(notesOf(healthy)).toMatch(
      /one allocation per 512 KiB: a heap leak below about \d+ B per request \(4\.\d\d MiB over this run\)/,
    )
    expect(notesOf(healthy, undefined, { ...options, memProfileRate: 4096 })).not.toMatch(
      /one allocation per/,
    )
  })
  it('coarse allocation windows', () => {
    const light: SideSpec = {
      ...healthy,
      sites: [{ stack: STACKS.handlerBuffer, live: 1 * MiB, allocPerReq: 100 }],
    }
    expect(notesOf(light, light)).toMatch(/Each window holds only about \d+ allocation samples/)
  })
  it('per-site significance out of reach with few windows and many sites', () => {
    const many: SideSpec = {
      ...healthy,
      points: 5,
      sites: Array.from({ length: 30 }, (_, i) => ({ stack: [`main.alloc${i}`], allocPerReq: 2 * KiB })),
    }
    expect(notesOf(many, many)).toMatch(/Per-site changes are adjusted for 30 sites \(Holm\)/)
  })
  it('goroutineleak profile stacks that did not grow', () => {
    expect(
      notesOf({
        ...healthy,
        goroutines: [...healthy.goroutines!, { stack: STACKS.chanSend, start: 4 }],
        goroutineLeakStacks: [STACKS.chanSend],
      }),
    ).toMatch(
      /goroutineleak profile reports leaked goroutines whose count did not grow with requests: runtime\.gopark < runtime\.chansend/,
    )
  })
})
