import { describe, expect, it } from 'vitest'
import { failuresFor } from '../../src/report/verdict.js'
import * as F from './fixtures.js'

const CLEAN = { leak: false, newLeak: false, regression: false }
const NEW_LEAK = { leak: true, newLeak: true, regression: false }
const OLD_LEAK = { leak: true, newLeak: false, regression: false }
const REGRESSION = { leak: false, newLeak: false, regression: true }

describe('failuresFor', () => {
  it('passes a clean run whatever fail-on says', () => {
    for (const failOn of [
      ['leak'],
      ['new-leak'],
      ['regression'],
      ['leak', 'new-leak', 'regression'],
      ['none'],
      [],
    ]) {
      expect(failuresFor(CLEAN, failOn)).toEqual([])
    }
  })

  it('new-leak fails only a new leak; leak fails any leak', () => {
    expect(failuresFor(OLD_LEAK, ['new-leak', 'regression'])).toEqual([])
    expect(failuresFor(OLD_LEAK, ['leak'])).toEqual(['head leaks (fail-on: leak)'])
    expect(failuresFor(NEW_LEAK, ['new-leak'])).toEqual(['new leak on head (fail-on: new-leak)'])
    expect(failuresFor(NEW_LEAK, ['leak'])).toEqual(['head leaks (fail-on: leak)'])
  })

  it('regression fails only when regression is asked for', () => {
    expect(failuresFor(REGRESSION, ['new-leak'])).toEqual([])
    expect(failuresFor(REGRESSION, ['regression'])).toEqual(['allocation regression (fail-on: regression)'])
  })

  it('none wins over every other word', () => {
    expect(
      failuresFor({ leak: true, newLeak: true, regression: true }, ['none', 'leak', 'regression']),
    ).toEqual([])
  })

  it('accepts words with stray spaces and case, refuses unknown ones by name', () => {
    expect(failuresFor(NEW_LEAK, [' New-Leak '])).toHaveLength(1)
    expect(() => failuresFor(NEW_LEAK, ['leaks'])).toThrow(
      'fail-on: unknown word "leaks"; expected any of leak, new-leak, regression, no-verdict, none',
    )
  })

  it('no-verdict fails an untrustworthy run in one line, unless a finding already fails it', () => {
    const clean = { leak: false, newLeak: false, regression: false }
    const doubt = {
      ...F.heapLeakAnalysis(),
      verdict: clean,
      untrustworthy: ['head: 29.8% of requests failed (HTTP 429: 3,000)\nsee notes'],
    }
    expect(failuresFor(clean, ['new-leak', 'no-verdict'], doubt)).toEqual([
      'no verdict (fail-on: no-verdict): head: 29.8% of requests failed (HTTP 429: 3,000) see notes',
    ])
    expect(failuresFor(clean, ['new-leak', 'regression'], doubt)).toEqual([])
    expect(failuresFor(clean, ['no-verdict'], { ...doubt, untrustworthy: undefined })).toEqual([])
    const leak = F.heapLeakAnalysis()
    const reasons = failuresFor(leak.verdict, ['new-leak', 'no-verdict'], { ...leak, untrustworthy: ['x'] })
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toMatch(/^new leak on head/)
  })

  it('names the finding and the allocation change when the analysis is given, one line each', () => {
    const leak = F.heapLeakAnalysis()
    expect(failuresFor(leak.verdict, ['new-leak', 'regression'], leak)).toEqual([
      'new leak on head (fail-on: new-leak): heap-leak +412 B/req in main.rememberResponse (handlers.go:42)',
    ])
    const reg = F.regressionAnalysis()
    expect(failuresFor(reg.verdict, ['new-leak', 'regression'], reg)).toEqual([
      'allocation regression (fail-on: regression): +63% bytes allocated per request (4.11 KiB -> 6.71 KiB), most in github.com/acme/shop/internal/render.renderVerbose',
    ])
    for (const line of [
      ...failuresFor(leak.verdict, ['leak'], leak),
      ...failuresFor(reg.verdict, ['regression'], reg),
    ]) {
      expect(line).not.toContain('\n')
    }
  })

  it('with both leak and new-leak, the new and the pre-existing leaks are each named once', () => {
    const a = F.goroutineLeakAnalysis()
    const lines = failuresFor(a.verdict, ['leak', 'new-leak'], a)
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(
      /^new leak on head \(fail-on: new-leak\): goroutine-leak \+1 goroutines\/req in main\.startWorker\.func1/,
    )
    expect(lines[1]).toMatch(
      /^head leaks \(fail-on: leak\): connection-leak .* in main\.fetchRates \(rates\.go:19\)$/,
    )
  })
})
