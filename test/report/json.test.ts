import { describe, expect, it } from 'vitest'
import { ReportValidationError, parseReport, toJson } from '../../src/report/json.js'
import { renderMarkdown } from '../../src/report/markdown.js'
import * as F from './fixtures.js'

// The tests poke at arbitrary depths of parsed JSON, which is untyped by nature.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function mutate(fn: (r: Record<string, any>) => void): string {
  const raw = JSON.parse(toJson(F.report(F.regressionAnalysis(), ['x'])))
  fn(raw)
  return JSON.stringify(raw)
}

function errorOf(text: string): string {
  try {
    parseReport(text)
  } catch (error) {
    expect(error).toBeInstanceOf(ReportValidationError)
    return (error as Error).message
  }
  throw new Error('parseReport accepted it')
}

describe('toJson', () => {
  it('is stable: schemaVersion first, then sorted keys, whatever the insertion order', () => {
    const r = F.report(F.heapLeakAnalysis(), ['new leak'])
    const reversed = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(reversed)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .reverse()
                .map(([k, x]) => [k, reversed(x)]),
            )
          : v
    const shuffled = reversed(r) as typeof r
    expect(Object.keys(shuffled)[0]).toBe('failures')
    expect(toJson(shuffled)).toBe(toJson(r))
    const text = toJson(r)
    expect(text.startsWith('{\n  "schemaVersion": 2,\n  "tool": {')).toBe(true)
    expect(text.endsWith('}\n')).toBe(true)
    expect(Object.keys(JSON.parse(text).analysis)[0]).toBe('verdict')
  })

  it('round-trips through parseReport, Infinity (new sites) included', () => {
    const r = F.report(F.heapLeakAnalysis(), ['new leak'])
    expect(r.analysis.growing[0].change).toBe(Infinity)
    const text = toJson(r)
    expect(JSON.parse(text).analysis.growing[0].change).toBe('Infinity')
    const back = parseReport(text)
    expect(back).toEqual(
      JSON.parse(
        JSON.stringify(r, (_k, v) => (v === Infinity ? 'Infinity' : v)),
        (_k, v) => (v === 'Infinity' ? Infinity : v),
      ),
    )
    expect(renderMarkdown(back)).toBe(renderMarkdown(r))
  })

  it('writes NaN as null and reads it back as NaN', () => {
    const r = F.report(F.cleanAnalysis())
    r.analysis.head.p99LatencyMs = NaN
    const back = parseReport(toJson(r))
    expect(back.analysis.head.p99LatencyMs).toBeNaN()
  })
})

describe('parseReport validates untrusted input', () => {
  it('names the field path in every error', () => {
    expect(errorOf('not json')).toMatch(/^report: not valid JSON/)
    expect(errorOf('[]')).toBe('report: expected an object, got an array')
    expect(errorOf(mutate((r) => (r.schemaVersion = 3)))).toBe(
      'report.schemaVersion: expected 2 (or 1), got 3',
    )
    expect(errorOf(mutate((r) => delete r.schemaVersion))).toBe(
      'report.schemaVersion: expected 2 (or 1), got null',
    )
    expect(errorOf(mutate((r) => (r.tool.name = 'other')))).toBe(
      'report.tool.name: expected "memleak-action"',
    )
    expect(errorOf(mutate((r) => (r.analysis.growing[1].site.function = 42)))).toBe(
      'report.analysis.growing[1].site.function: expected a string, got a number',
    )
    expect(errorOf(mutate((r) => (r.analysis.head.requestsPerSecond = 'fast')))).toBe(
      'report.analysis.head.requestsPerSecond: expected a finite number, got a string',
    )
    expect(errorOf(mutate((r) => (r.analysis.verdict.leak = 'yes')))).toBe(
      'report.analysis.verdict.leak: expected true or false, got a string',
    )
    expect(errorOf(mutate((r) => (r.meta.repository = 'acme/shop)](javascript:x')))).toBe(
      'report.meta.repository: expected "owner/name"',
    )
    expect(errorOf(mutate((r) => (r.meta.headSha = 'HEAD; rm -rf /')))).toBe(
      'report.meta.headSha: expected a hexadecimal commit SHA',
    )
    expect(errorOf(mutate((r) => (r.analysis.findings = [{ kind: 'heap-leak', status: 'new' }])))).toBe(
      'report.analysis.findings[0].site: expected an object, got nothing',
    )
    expect(errorOf(mutate((r) => (r.analysis.findings = [null])))).toBe(
      'report.analysis.findings[0]: expected an object, got null',
    )
  })

  it('checks enums, lengths of arrays and pairs', () => {
    const withFinding = (f: Record<string, unknown>) =>
      mutate((r) => {
        r.analysis.findings = [
          { ...JSON.parse(toJson(F.report(F.heapLeakAnalysis()))).analysis.findings[0], ...f },
        ]
      })
    expect(errorOf(withFinding({ kind: 'exfiltrate' }))).toMatch(
      /^report\.analysis\.findings\[0\]\.kind: expected one of heap-leak, /,
    )
    expect(errorOf(withFinding({ evidence: { requests: [1, 2], values: [1] } }))).toBe(
      'report.analysis.findings[0].evidence: requests and values differ in length (2 vs 1)',
    )
    expect(errorOf(withFinding({ details: { a: { nested: true } } }))).toBe(
      'report.analysis.findings[0].details.a: expected a string or a number, got an object',
    )
    expect(errorOf(mutate((r) => (r.analysis.growing = new Array(1001).fill(r.analysis.growing[0]))))).toBe(
      'report.analysis.growing: expected at most 1000 items, got 1001',
    )
    expect(errorOf(mutate((r) => (r.analysis.total.ci = [1])))).toBe(
      'report.analysis.total.ci: expected two numbers, got 1',
    )
  })

  it('keeps the load settings "Reproduce locally" repeats, and refuses a header name that is not one', () => {
    const text = mutate((r) => {
      r.meta.rate = 200
      r.meta.memProfileRate = 4096
      r.meta.headerNames = ['Authorization', 'X-Tenant']
    })
    expect(parseReport(text).meta).toMatchObject({
      rate: 200,
      memProfileRate: 4096,
      headerNames: ['Authorization', 'X-Tenant'],
    })
    // Shown inside the comment's shell block: a fence or a command substitution must not get there.
    expect(errorOf(mutate((r) => (r.meta.headerNames = ['X-A```\n# evil'])))).toBe(
      'report.meta.headerNames[0]: expected a header name',
    )
    expect(errorOf(mutate((r) => (r.meta.headerNames = ['$(id)'])))).toBe(
      'report.meta.headerNames[0]: expected a header name',
    )
  })

  it('caps string lengths and drops unknown fields', () => {
    const text = mutate((r) => {
      r.analysis.growing[0].site.function = 'f'.repeat(50_000)
      r.analysis.notes = ['n'.repeat(10_000)]
      r.extra = { evil: true }
      r.analysis.growing[0].site.extra = 'x'
    })
    const r = parseReport(text)
    expect(r.analysis.growing[0].site.function.length).toBe(1000)
    expect(r.analysis.notes[0].length).toBe(2000)
    expect(r).not.toHaveProperty('extra')
    expect(r.analysis.growing[0].site).not.toHaveProperty('extra')
  })

  it('refuses prototype keys in records', () => {
    const text = toJson(F.report(F.heapLeakAnalysis())).replace('"noiseFloor": 5.1', '"__proto__": 1')
    expect(errorOf(text)).toBe('report.analysis.findings[0].details.__proto__: reserved key')
  })
})
