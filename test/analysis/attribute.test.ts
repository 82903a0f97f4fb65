import { describe, expect, it } from 'vitest'
import { analyse } from '../../src/analysis/analyse.js'
import type { AnalysisOptions } from '../../src/analysis/types.js'
import { KiB, MiB, MODULE, type SideSpec, simulateSide, STACKS } from './fixtures.js'

const options: AnalysisOptions = {
  modulePath: MODULE,
  regressionThreshold: 0.1,
  alpha: 0.05,
  memProfileRate: 64 * KiB,
}
const findingsOf = (spec: SideSpec) =>
  analyse(simulateSide({ rate: 64 * KiB, ...spec }), undefined, options).findings
const background = [{ stack: STACKS.handlerBuffer, live: 6 * MiB, allocPerReq: 6 * KiB }]

describe('one cause, one finding', () => {
  it('a map leak allocating value and key in one function is one heap leak, rates summed', () => {
    const f = findingsOf({
      sites: [
        ...background,
        {
          stack: ['main.handleUsers', 'net/http.HandlerFunc.ServeHTTP'],
          retainPerReq: 256,
          allocPerReq: 256,
        },
        {
          stack: ['fmt.Sprintf', 'main.handleUsers', 'net/http.HandlerFunc.ServeHTTP'],
          retainPerReq: 32,
          allocPerReq: 64,
        },
      ],
    })
    expect(f).toHaveLength(1)
    expect(f[0].site.key).toBe('main.handleUsers')
    expect(f[0].rate).toBeGreaterThan(250)
    expect(f[0].details.alsoRetaining).toMatch(/^fmt\.Sprintf \d+ B\/req$/)
    expect(f[0].summary).toMatch(/^main\.handleUsers keeps 2\d\d B per request alive/)
    expect(f[0].evidence.values[6]).toBeGreaterThan(f[0].evidence.values[0])
  })

  it('the buffers of leaked client connections belong to the connection leak', () => {
    const f = findingsOf({
      sites: [
        ...background,
        { stack: STACKS.clientDo, allocPerReq: 2 * KiB },
        {
          stack: [
            'bufio.NewReaderSize',
            'net/http.(*Transport).dialConn',
            'net/http.(*Transport).dialConnFor',
          ],
          retainPerReq: 40,
        },
        {
          stack: [
            'bufio.NewWriterSize',
            'net/http.(*Transport).dialConn',
            'net/http.(*Transport).dialConnFor',
          ],
          retainPerReq: 40,
        },
        { stack: ['runtime.malg', 'runtime.newproc1', 'runtime.newproc'], retainPerReq: 24 },
      ],
      goroutines: [
        { stack: STACKS.readLoop, start: 0, perReq: 0.01 },
        { stack: STACKS.writeLoop, start: 0, perReq: 0.01 },
      ],
      fds: { start: 20, perReq: 0.01 },
    })
    expect(f.map((x) => x.kind)).toEqual(['connection-leak'])
    expect(f[0].details.heapSites).toMatch(/bufio\.NewReaderSize \d+ B\/req/)
    expect(f[0].details.heapSites).toMatch(/bufio\.NewWriterSize/)
    expect(f[0].details.heapSites).toMatch(/runtime\.malg/)
    expect(f[0].details.heapRetainedPerRequest).toBeGreaterThan(60)
  })

  it('what a leaked goroutine and its creator allocate belongs to the goroutine leak', () => {
    const f = findingsOf({
      sites: [...background, { stack: ['fmt.Sprint', 'main.notify', 'main.handle'], retainPerReq: 48 }],
      goroutines: [
        { stack: STACKS.chanSend, start: 0, perReq: 0.005, state: 'chan send', createdBy: 'main.notify' },
      ],
    })
    expect(f.map((x) => x.kind)).toEqual(['goroutine-leak'])
    expect(f[0].details.heapSites).toMatch(/^fmt\.Sprint \d+ B\/req$/)
  })

  it('an unrelated heap leak stays on its own', () => {
    const f = findingsOf({
      sites: [...background, { stack: STACKS.cacheLeak, retainPerReq: 128 }],
      goroutines: [
        { stack: STACKS.chanSend, start: 0, perReq: 0.005, state: 'chan send', createdBy: 'main.notify' },
      ],
    })
    expect(f.map((x) => x.kind).sort()).toEqual(['goroutine-leak', 'heap-leak'])
  })
})
