// A side that crashed part-way keeps whatever snapshots it took: even one or
// two are analysed, so the report keeps the other side beside the crash.
import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/analysis/compare.js'
import type { AnalysisOptions } from '../../src/model/analysis.js'
import { MeasurementStoppedError, ServiceCrashedError } from '../../src/capture/cut-short.js'
import { partialMeasurement } from '../../src/capture/side.js'
import { crashFinding } from '../../src/analysis/crash.js'
import { decodeSide } from '../../src/profile/decode-side.js'
import { crashOnlyAnalysis, stoppedNote, stoppedOnlyAnalysis } from '../../src/analysis/incomplete.js'
import { RunStoppedError, startRunControl } from '../../src/run/run-control.js'
import { measurement } from './measurement.js'

const options: AnalysisOptions = {
  modulePath: 'memleak-action/profilegen',
  regressionThreshold: 0.1,
  alpha: 0.05,
  memProfileRate: 1,
}

const LOG = [
  'head.bin listening on http://127.0.0.1:8080 (pid 42)',
  'panic: crashmid: simulated crash after 25000 requests',
  '',
  'goroutine 30054 [running]:',
  'main.crash.func1()',
  '\texample.com/fixtures/cmd/api/main.go:38 +0x65',
  'created by main.crash in goroutine 29',
  '\texample.com/fixtures/cmd/api/main.go:37 +0x37',
].join('\n')

function crashAfter(snapshots: number): ServiceCrashedError {
  const m = measurement('head')
  return new ServiceCrashedError(
    'head: the service exited with code 2 1.5 s into the measured load',
    'head',
    { code: 2, signal: null },
    LOG,
    '/dev/null',
    m.snapshots.slice(0, snapshots),
    1500,
    m.load,
  )
}

describe('partialMeasurement', () => {
  it('none taken: nothing to analyse', () => {
    expect(partialMeasurement(crashAfter(0))).toBeUndefined()
  })

  for (const n of [1, 2, 3, 5]) {
    it(`${n} taken: the last stands in for the settled one, and base stays in the analysis`, () => {
      const partial = partialMeasurement(crashAfter(n))!
      expect(partial.snapshots.map((s) => s.label)).toEqual(['S0', 'S1', 'S2', 'S3', 'S4'].slice(0, n - 1))
      expect(partial.settled.label).toBe(`S${n - 1}`)
      expect(partial.problems).toEqual([
        `the service crashed ${n} snapshots into the run; figures cover the time before`,
      ])
      const analysis = compareSides(decodeSide(partial), decodeSide(measurement('base')), options)
      expect(analysis.base?.requests).toBe(5000)
      expect(analysis.head.requests).toBe(5000)
    })
  }
})

describe('crashOnlyAnalysis', () => {
  it('keeps base beside the crash when given', () => {
    const base = compareSides(decodeSide(measurement('base')), undefined, options).head
    const analysis = crashOnlyAnalysis(crashAfter(0), base)
    expect(analysis.base).toMatchObject({ side: 'base', requests: 5000 })
    expect(analysis.verdict).toEqual({ leak: true, newLeak: true, regression: false })
  })

  it('without base, head alone', () => {
    expect(crashOnlyAnalysis(crashAfter(0)).base).toBeUndefined()
  })
})

describe('crashFinding', () => {
  it('points at the panic in the service and carries the log tail', () => {
    const f = crashFinding(crashAfter(2), 'example.com/fixtures', false)
    expect(f).toMatchObject({
      kind: 'crash',
      status: 'new',
      summary:
        'The head service died under load after 5,000 requests: panic: crashmid: simulated crash after 25000 requests.',
      site: {
        function: 'main.crash.func1',
        ownFrame: { file: 'example.com/fixtures/cmd/api/main.go', line: 38 },
      },
    })
    expect(f.details).toMatchObject({ exit: 'code 2', 'seconds into the load': 1.5 })
    expect(String(f.details!['log tail'])).toContain('panic: crashmid')
  })
})

function stoppedAfter(snapshots: number, side: 'base' | 'head' = 'head'): MeasurementStoppedError {
  const m = measurement(side)
  return new MeasurementStoppedError(
    'timeout: the run took longer than 15m',
    side,
    '/dev/null',
    m.snapshots.slice(0, snapshots).map((s, i) => ({ ...s, elapsedMs: i * 4100 })),
    9000,
    20_000,
    m.load,
  )
}

describe('a run stopped part-way (deadline, cancelled job)', () => {
  it('keeps every snapshot taken, with no per-side problem (the run-wide note says it once)', () => {
    const partial = partialMeasurement(stoppedAfter(3))!
    expect(partial.snapshots.map((s) => s.label)).toEqual(['S0', 'S1', 'S2'])
    expect(partial.settled.label).toBe('S2')
    expect(partial.problems).toBeUndefined()
  })

  it('the note says which side was cut, how far it got, and that results are partial', () => {
    const cut = stoppedAfter(3)
    expect(stoppedNote('timeout after 15m', ['base', 'head'], { head: cut }, { base: {}, head: {} })).toBe(
      'timeout after 15m: head measured for 8 s of 20 s; results are partial',
    )
    expect(
      stoppedNote('interrupted by SIGINT', ['base', 'head'], { base: stoppedAfter(2, 'base') }, { base: {} }),
    ).toBe('interrupted by SIGINT: base measured for 4 s of 20 s, head not measured; results are partial')
    expect(stoppedNote('timeout after 1m', ['base', 'head'], { head: stoppedAfter(0) }, { base: {} })).toBe(
      'timeout after 1m: head stopped before its first snapshot; results are partial',
    )
  })

  it('head with no snapshot: base kept, no verdict either way', () => {
    const base = compareSides(decodeSide(measurement('base')), undefined, options).head
    const analysis = stoppedOnlyAnalysis(stoppedAfter(0), base)
    expect(analysis.base).toMatchObject({ side: 'base', requests: 5000 })
    expect(analysis.verdict).toEqual({ leak: false, newLeak: false, regression: false })
    expect(analysis.findings).toEqual([])
  })
})

describe('startRunControl', () => {
  it('the deadline aborts with the timeout input as the user writes it', async () => {
    const control = startRunControl(90)
    try {
      await new Promise((resolve) => control.signal.addEventListener('abort', resolve, { once: true }))
      const reason = control.signal.reason as RunStoppedError
      expect(reason).toBeInstanceOf(RunStoppedError)
      expect(reason.message).toBe('timeout: the run took longer than 90ms')
      expect(reason.summary).toBe('timeout after 90ms')
      expect(reason.cancelled).toBe(false)
      // What fails after the stop fails because of it.
      expect(control.explain(new Error('socket hang up'))).toBe(reason)
    } finally {
      control.dispose()
    }
  })

  it('SIGINT and SIGTERM abort as "interrupted"; dispose removes the handlers', () => {
    const before = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }
    const control = startRunControl(60_000)
    expect(process.listenerCount('SIGTERM')).toBe(before.SIGTERM + 1)
    // Handled, so the process lives on to write its report.
    process.emit('SIGTERM', 'SIGTERM')
    expect(control.signal.aborted).toBe(true)
    expect((control.signal.reason as RunStoppedError).message).toBe('interrupted')
    expect((control.signal.reason as RunStoppedError).summary).toBe('interrupted by SIGTERM')
    expect((control.signal.reason as RunStoppedError).cancelled).toBe(true)
    control.dispose()
    expect(process.listenerCount('SIGINT')).toBe(before.SIGINT)
    expect(process.listenerCount('SIGTERM')).toBe(before.SIGTERM)
  })

  it('before any stop, an error is its own', () => {
    const control = startRunControl(60_000)
    const error = new Error('x')
    expect(control.explain(error)).toBe(error)
    control.dispose()
  })
})
