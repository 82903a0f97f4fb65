import { describe, expect, it } from 'vitest'
import { analyseGoroutines } from '../../src/analysis/goroutines.js'
import { callerOfClient } from '../../src/analysis/connections.js'
import { matchDump, waitFunction } from '../../src/analysis/waiting.js'
import type { AnalysisOptions } from '../../src/model/analysis.js'
import { DEFAULT_RATE, KiB, MODULE, type SideSpec, simulateSide, stackOf, STACKS } from './fixtures.js'

const options: AnalysisOptions = {
  modulePath: MODULE,
  regressionThreshold: 0.1,
  alpha: 0.05,
  memProfileRate: DEFAULT_RATE,
}
const run = (spec: SideSpec) => analyseGoroutines(simulateSide(spec), options)
const steady = [
  { stack: STACKS.serveConn, start: 16, jitter: 2 },
  {
    stack: [
      'runtime.gopark',
      'runtime.netpollblock',
      'internal/poll.runtime_pollWait',
      'net/http.(*Server).Serve',
    ],
    start: 1,
  },
]

describe('goroutine leak', () => {
  it('names the blocking frame, the wait reason and the creator from the dump', () => {
    const g = run({
      goroutines: [
        ...steady,
        { stack: STACKS.chanSend, start: 2, perReq: 0.001, state: 'chan send', createdBy: 'main.notify' },
      ],
    })
    expect(g.findings).toHaveLength(1)
    const [f] = g.findings
    expect(f.kind).toBe('goroutine-leak')
    expect(f.unit).toBe('goroutines/req')
    expect(f.rate).toBeCloseTo(0.001, 4)
    expect(f.site.function).toBe('main.notify.func1')
    expect(f.site.ownFrame?.function).toBe('main.notify.func1')
    expect(f.details).toMatchObject({
      countStart: 2,
      waitFunction: 'runtime.chansend1',
      waitReason: 'chan send',
      waitReasonSource: 'goroutine dump',
      createdBy: 'main.notify',
      hintRule: 'chan-send',
    })
    expect(f.details.countEnd).toBeGreaterThan(85)
    expect(f.details.per1kRequests).toBeCloseTo(1, 1)
    expect(String(f.details.blockingFrame)).toMatch(/^main\.notify\.func1 .*main\.go:10$/)
    expect(f.summary).toMatch(
      /blocked in chan send in main\.notify\.func1, started by main\.notify pile up: 2 -> \d+ over \d+k requests/,
    )
    expect(f.hint).toMatch(
      /^Goroutines started by main\.notify block forever sending.*ctx\.Done\(\).*buffered/,
    )
    expect(f.details.confirmedBy).toBeUndefined()
  })

  it('says the goroutineleak profile confirms it when that profile has the stack', () => {
    const g = run({
      goroutines: [
        { stack: STACKS.chanSend, start: 0, perReq: 0.0005, state: 'chan send', createdBy: 'main.notify' },
      ],
      goroutineLeakStacks: [STACKS.chanSend],
    })
    expect(g.findings[0].details.confirmedBy).toBe('goroutineleak profile')
    expect(g.findings[0].summary).toMatch(/confirmed by the goroutineleak profile/)
    expect(g.unconfirmedLeakProfileStacks).toEqual([])
  })

  it('reports goroutineleak stacks that did not grow, without a finding', () => {
    const g = run({
      goroutines: [...steady, { stack: STACKS.chanSend, start: 3 }],
      goroutineLeakStacks: [STACKS.chanSend],
    })
    expect(g.findings).toEqual([])
    expect(g.unconfirmedLeakProfileStacks).toEqual([STACKS.chanSend.join(' < ')])
  })

  it('without a dump, reads the wait reason off the runtime frames', () => {
    const spec = simulateSide({ goroutines: [{ stack: STACKS.selectWait, start: 4, perReq: 0.0004 }] })
    delete spec.goroutineDump
    const [f] = analyseGoroutines(spec, options).findings
    expect(f.details).toMatchObject({
      waitFunction: 'runtime.selectgo',
      waitReason: 'select',
      waitReasonSource: 'stack',
    })
    expect(f.details.createdBy).toBeUndefined()
    expect(f.hint).toMatch(
      /^Goroutines started by main\.worker wait in a select where no case can fire.*case <-ctx\.Done\(\)/,
    )
  })

  const quiet: [string, SideSpec][] = [
    [
      'a pool that grows to its size and stops',
      { goroutines: [...steady, { stack: STACKS.selectWait, start: 0, perReq: 0.002, cap: 32 }] },
    ],
    [
      'goroutines that finish once the load stops',
      { goroutines: [...steady, { stack: STACKS.chanSend, start: 2, perReq: 0.001, settled: 2 }] },
    ],
    [
      'a handful more goroutines, below the minimum',
      { goroutines: [...steady, { stack: STACKS.chanSend, start: 2, perReq: 0.00006 }] },
    ],
    [
      'per-connection goroutines that come and go',
      { goroutines: [{ stack: STACKS.serveConn, start: 16, jitter: 8 }] },
    ],
  ]
  it.each(quiet)('%s: no finding', (_, spec) => {
    for (let seed = 1; seed <= 20; seed++) expect(run({ ...spec, seed }).findings).toEqual([])
  })

  it('a missing settled goroutine profile skips the release check instead of passing it', () => {
    const side = simulateSide({
      goroutines: [...steady, { stack: STACKS.chanSend, start: 2, perReq: 0.001 }],
    })
    delete side.settled.goroutines
    const [f] = analyseGoroutines(side, options).findings
    expect(f.kind).toBe('goroutine-leak')
    expect(f.details.countSettled).toBeUndefined()
    expect(f.evidence.settled).toBeUndefined()
  })

  it('without goroutine profiles there is nothing to judge', () => {
    const g = analyseGoroutines(simulateSide({}), options)
    expect(g.available).toBe(false)
    expect(g.findings).toEqual([])
  })
})

describe('connection leak', () => {
  const leaking: SideSpec = {
    sites: [
      { stack: STACKS.clientDo, allocPerReq: 2 * KiB, live: 64 * KiB },
      { stack: STACKS.dialConn, allocPerReq: 8 * KiB },
    ],
    goroutines: [
      ...steady,
      {
        stack: STACKS.readLoop,
        start: 1,
        perReq: 0.001,
        state: 'select',
        createdBy: 'net/http.(*Transport).dialConn',
      },
      {
        stack: STACKS.writeLoop,
        start: 1,
        perReq: 0.001,
        state: 'select',
        createdBy: 'net/http.(*Transport).dialConn',
      },
    ],
    fds: { start: 24, perReq: 0.001 },
  }

  it('persistConn loops and descriptors growing together: one connection leak, naming the caller', () => {
    const g = run(leaking)
    expect(g.findings.map((f) => f.kind)).toEqual(['connection-leak'])
    const [f] = g.findings
    expect(f.unit).toBe('connections/req')
    expect(f.rate).toBeCloseTo(0.001, 4)
    expect(f.site.function).toBe('main.fetchUpstream')
    expect(f.site.ownFrame).toEqual({ function: 'main.fetchUpstream', file: `${MODULE}/main.go`, line: 10 })
    expect(f.details).toMatchObject({
      caller: 'main.fetchUpstream',
      callerEvidence: 'heap samples allocated through net/http client calls',
      readLoopStart: 1,
      openFdsStart: 24,
      createdBy: 'net/http.(*Transport).dialConn',
      hintRule: 'response-body',
    })
    expect(f.details.openFdsEnd).toBeGreaterThan(100)
    expect(f.summary).toMatch(
      /^Requests made by main\.fetchUpstream leave their connections open: 1 -> \d+ HTTP client connections .*open descriptors 24 -> \d+/,
    )
    expect(f.hint).toMatch(
      /Close the HTTP response body in main\.fetchUpstream: defer resp\.Body\.Close\(\).*io\.Copy\(io\.Discard, resp\.Body\)/,
    )
  })

  it('descriptors known and flat: the loops are goroutine leaks, with the same advice', () => {
    const g = run({ ...leaking, fds: { start: 24 } })
    expect(g.findings.map((f) => f.kind)).toEqual(['goroutine-leak', 'goroutine-leak'])
    expect(g.findings.every((f) => f.details.hintRule === 'persistconn')).toBe(true)
  })

  it('descriptors unknown (no /proc, no lsof): still a connection leak, saying so', () => {
    const side = simulateSide(leaking)
    for (const s of [...side.snapshots, side.settled]) s.openFds = null
    const [f] = analyseGoroutines(side, options).findings
    expect(f.kind).toBe('connection-leak')
    expect(f.details.openFds).toBe('unavailable on this platform')
  })

  it('without heap evidence, finds the caller on goroutines caught inside client calls', () => {
    const inFlight = ['runtime.gopark', 'runtime.selectgo', ...STACKS.clientDo]
    const g = run({
      ...leaking,
      sites: [],
      goroutines: [...leaking.goroutines!, { stack: inFlight, start: 3, jitter: 2 }],
    })
    const [f] = g.findings
    expect(f.details.caller).toBe('main.fetchUpstream')
    expect(f.details.callerEvidence).toBe('goroutines inside net/http client calls')
  })

  it('no evidence of the caller: the finding still stands, the hint is generic', () => {
    const [f] = run({ ...leaking, sites: [] }).findings
    expect(f.site.function).toBe('net/http.(*persistConn).readLoop')
    expect(f.site.ownFrame).toBeUndefined()
    expect(f.hint).toMatch(/^Close the HTTP response body: /)
  })
})

describe('stack helpers', () => {
  it('waitFunction is the last runtime frame before the first non-runtime one', () => {
    expect(waitFunction(stackOf(STACKS.chanSend))).toBe('runtime.chansend1')
    expect(waitFunction(stackOf(['main.busy']))).toBeUndefined()
  })
  it('callerOfClient takes the first own frame above a net/http client entry', () => {
    expect(callerOfClient(stackOf(STACKS.clientDo), MODULE)?.func.name).toBe('main.fetchUpstream')
    expect(callerOfClient(stackOf(STACKS.dialConn), MODULE)).toBeUndefined()
    expect(
      callerOfClient(stackOf(['main.helper', 'net/http.(*Client).Do', 'main.f']), MODULE)?.func.name,
    ).toBe('main.f')
  })
  it('matchDump compares stacks without runtime frames, then falls back to blocking + own frame', () => {
    const dump = [
      {
        id: 1,
        state: 'chan receive',
        frames: [
          { func: 'main.consume', file: 'm.go', line: 3 },
          { func: 'main.run', file: 'm.go', line: 9 },
        ],
      },
      {
        id: 2,
        state: 'chan receive',
        frames: [
          { func: 'main.consume', file: 'm.go', line: 4 },
          { func: 'main.run', file: 'm.go', line: 9 },
        ],
        createdBy: { func: 'main.start', file: 'm.go', line: 20 },
      },
    ]
    const exact = matchDump(
      stackOf(['runtime.gopark', 'runtime.chanrecv1', 'main.consume', 'main.run']),
      dump,
      MODULE,
    )
    expect(exact).toEqual({
      state: 'chan receive',
      createdBy: 'main.start',
      createdAt: 'm.go:20',
      matched: 2,
    })
    const loose = matchDump(
      stackOf(['runtime.gopark', 'main.consume', 'main.run', 'main.main']),
      dump,
      MODULE,
    )
    expect(loose.matched).toBe(2)
    expect(matchDump(stackOf(['main.other']), dump, MODULE).matched).toBe(0)
  })
})
