import { describe, expect, it } from 'vitest'
import { heapBySite, heapSiteKey, isOwnFunction } from '../../src/analysis/sites.js'
import { frame, heapProfile, MODULE, stackOf } from './fixtures.js'

describe('own module', () => {
  it.each([
    ['main.handler', true],
    ['main.(*server).serve', true],
    [`${MODULE}.Handler`, true],
    [`${MODULE}/internal/cache.(*Cache).Put`, true],
    [`${MODULE}2/x.F`, false],
    ['github.com/gin-gonic/gin.(*Context).JSON', false],
    ['net/http.(*conn).serve', false],
    ['mainly.F', false],
  ])('%s -> %s', (name, own) => expect(isOwnFunction(name, MODULE)).toBe(own))
})

describe('allocation sites', () => {
  it('key is leaf function and first own frame, by name only', () => {
    expect(
      heapSiteKey(stackOf(['bytes.growSlice', 'bytes.(*Buffer).grow', 'main.render', 'main.handle']), MODULE),
    ).toBe('bytes.growSlice < main.render')
    expect(heapSiteKey(stackOf(['main.render', 'main.handle']), MODULE)).toBe('main.render')
    expect(heapSiteKey(stackOf(['bufio.NewReaderSize', 'net/http.(*conn).serve']), MODULE)).toBe(
      'bufio.NewReaderSize',
    )
  })

  it("leaves out the profiler's own allocations and the allocator's entry frames", () => {
    const p = heapProfile([
      // Serving a scrape: allocations that grow with what is dumped, not with requests.
      {
        stack: [
          'strings.(*Builder).Write',
          'runtime/pprof.printCountProfile',
          'net/http/pprof.Index',
          'main.mux',
        ],
        inuse: 0,
        alloc: 9000,
      },
      // A goroutine descriptor: Go records mallocgc above the code that asked.
      {
        stack: ['runtime.mallocgc', 'runtime.newobject', 'runtime.malg', 'runtime.newproc1'],
        inuse: 400,
        alloc: 400,
      },
      { stack: ['main.store', 'main.handle'], inuse: 100, alloc: 100 },
    ])
    const t = heapBySite([p], MODULE)
    expect([...t.sites.keys()].sort()).toEqual(['main.store', 'runtime.malg'])
    expect(t.totals[0]).toMatchObject({ inuseSpace: 500, allocSpace: 500 })
  })

  it('groups samples of one site across lines and keeps the line of the biggest live sample', () => {
    const p = heapProfile([
      { stack: ['main.store:41', 'main.handle:10'], inuse: 1000, alloc: 2000 },
      { stack: ['main.store:42', 'main.handle:12'], inuse: 5000, alloc: 6000 },
      { stack: ['encoding/json.Marshal', 'main.handle:20'], inuse: 0, alloc: 700 },
    ])
    const t = heapBySite([p], MODULE)
    expect([...t.sites.keys()].sort()).toEqual(['encoding/json.Marshal < main.handle', 'main.store'])
    expect(t.series.get('main.store')![0]).toMatchObject({ inuseSpace: 6000, allocSpace: 8000 })
    const site = t.sites.get('main.store')!.site
    expect(site.ownFrame).toEqual({ function: 'main.store', file: `${MODULE}/main.go`, line: 42 })
    expect(site.stack[0]).toBe(`main.store ${MODULE}/main.go:42`)
    expect(t.totals[0]).toMatchObject({ inuseSpace: 6000, allocSpace: 8700 })
  })

  it('a line that moved between profiles still lands on the same site', () => {
    const a = heapProfile([{ stack: ['main.store:41', 'main.handle'], inuse: 1, alloc: 1 }])
    const b = heapProfile([{ stack: ['main.store:57', 'main.handle'], inuse: 2, alloc: 2 }])
    const t = heapBySite([a, b], MODULE)
    expect(t.series.size).toBe(1)
    expect(t.series.get('main.store')!.map((v) => v.inuseSpace)).toEqual([1, 2])
    // Absent from a profile: zeros, not holes.
    const c = heapBySite([a, heapProfile([])], MODULE)
    expect(c.series.get('main.store')![1].inuseSpace).toBe(0)
  })

  it('records the largest live object per site (Go keys heap samples by stack and size)', () => {
    const p = heapProfile([
      { stack: ['main.record'], inuse: 1 << 20, alloc: 1 << 21, inuseObjects: 1, allocObjects: 12 },
      { stack: ['main.record'], inuse: 6400, alloc: 6400, inuseObjects: 100, allocObjects: 100 },
    ])
    expect(heapBySite([p], MODULE).series.get('main.record')![0].largestObject).toBe(1 << 20)
  })

  it('frames carry file and line from the profile', () => {
    expect(frame('main.x:7')).toMatchObject({ line: 7, func: { name: 'main.x' } })
  })
})
