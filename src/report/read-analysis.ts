// Reading a report's analysis back from JSON (report/json.ts's parseReport):
// every finding, site, stack and series type-checked and size-capped, since the
// report may come from an artifact the PR's own code wrote.
import type {
  AllocRate,
  AllocatorChange,
  Analysis,
  Finding,
  FindingKind,
  FindingStatus,
  FixedLeak,
  Site,
  SideSummary,
  SourceFrame,
} from '../model/analysis.js'
import { ALL_FINDING_KINDS } from '../model/finding-kinds.js'
import {
  ReportValidationError,
  array,
  boolean,
  number,
  object,
  oneOf,
  optString,
  record,
  string,
} from './validate.js'

// Caps: far above what a real report holds, low enough that a hostile one cannot
// make the renderer slow or the comment huge.
export const NAME = 1000
export const SENTENCE = 2000
export const SHORT = 200
const MAX_FINDINGS = 200
const MAX_SITES = 1000
const MAX_STACK = 64
const MAX_SERIES = 10_000
const MAX_NOTES = 100

/** A number that may have been written as null (NaN) or "Infinity". */
function num(value: unknown, path: string): number {
  if (value === null) return NaN
  if (value === 'Infinity') return Infinity
  if (value === '-Infinity') return -Infinity
  return number(value, path)
}

function optNum(value: unknown, path: string): number | undefined {
  return value === undefined ? undefined : num(value, path)
}

function numbers(value: unknown, path: string, max = MAX_SERIES): number[] {
  return array(value, path, max, num)
}

function frame(value: unknown, path: string): SourceFrame {
  const o = object(value, path)
  return {
    function: string(o.function, `${path}.function`, NAME),
    file: string(o.file, `${path}.file`, NAME),
    line: number(o.line, `${path}.line`, { integer: true, min: 0 }),
  }
}

function site(value: unknown, path: string): Site {
  const o = object(value, path)
  return {
    key: string(o.key, `${path}.key`, 4 * NAME),
    function: string(o.function, `${path}.function`, NAME),
    ownFrame:
      o.ownFrame === undefined || o.ownFrame === null ? undefined : frame(o.ownFrame, `${path}.ownFrame`),
    stack: array(o.stack, `${path}.stack`, MAX_STACK, (v, p) => string(v, p, 2 * NAME)),
  }
}

const KINDS: readonly FindingKind[] = ALL_FINDING_KINDS
const STATUSES: readonly FindingStatus[] = ['new', 'worsened', 'pre-existing', 'unknown']

function finding(value: unknown, path: string): Finding {
  const o = object(value, path)
  // What the finding is first, so a wrong one is named before its parts are.
  const kind = oneOf(o.kind, `${path}.kind`, KINDS)
  const status = oneOf(o.status, `${path}.status`, STATUSES)
  const s = site(o.site, `${path}.site`)
  const ev = object(o.evidence, `${path}.evidence`)
  const requests = numbers(ev.requests, `${path}.evidence.requests`)
  const values = numbers(ev.values, `${path}.evidence.values`)
  if (requests.length !== values.length) {
    throw new ReportValidationError(
      `${path}.evidence`,
      `requests and values differ in length (${requests.length} vs ${values.length})`,
    )
  }
  return {
    kind,
    status,
    site: s,
    rate: num(o.rate, `${path}.rate`),
    unit: string(o.unit, `${path}.unit`, 40),
    baseRate: optNum(o.baseRate, `${path}.baseRate`),
    growth: num(o.growth, `${path}.growth`),
    summary: string(o.summary, `${path}.summary`, SENTENCE),
    hint: string(o.hint, `${path}.hint`, SENTENCE),
    evidence: {
      requests,
      values,
      settled: optNum(ev.settled, `${path}.evidence.settled`),
      pValue: optNum(ev.pValue, `${path}.evidence.pValue`),
    },
    details: record(o.details ?? {}, `${path}.details`, 50, SENTENCE),
  }
}

function fixedLeak(value: unknown, path: string): FixedLeak {
  const o = object(value, path)
  return {
    kind: oneOf(o.kind, `${path}.kind`, KINDS),
    site: site(o.site, `${path}.site`),
    unit: string(o.unit, `${path}.unit`, 40),
    baseRate: num(o.baseRate, `${path}.baseRate`),
    headRate: num(o.headRate, `${path}.headRate`),
    how: oneOf(o.how, `${path}.how`, ['gone', 'slower'] as const),
    summary: string(o.summary, `${path}.summary`, SENTENCE),
  }
}

function allocRate(value: unknown, path: string): AllocRate {
  const o = object(value, path)
  return {
    bytesPerRequest: num(o.bytesPerRequest, `${path}.bytesPerRequest`),
    objectsPerRequest: num(o.objectsPerRequest, `${path}.objectsPerRequest`),
    windows: numbers(o.windows ?? [], `${path}.windows`, 1000),
  }
}

function allocatorChange(value: unknown, path: string): AllocatorChange {
  const o = object(value, path)
  let ci: [number, number] | undefined
  if (o.ci !== undefined && o.ci !== null) {
    const pair = numbers(o.ci, `${path}.ci`, 2)
    if (pair.length !== 2)
      throw new ReportValidationError(`${path}.ci`, `expected two numbers, got ${pair.length}`)
    ci = [pair[0], pair[1]]
  }
  return {
    site: site(o.site, `${path}.site`),
    base: o.base === undefined || o.base === null ? undefined : allocRate(o.base, `${path}.base`),
    head: allocRate(o.head, `${path}.head`),
    change: num(o.change, `${path}.change`),
    ci,
    pValue: optNum(o.pValue, `${path}.pValue`),
    adjustedPValue: optNum(o.adjustedPValue, `${path}.adjustedPValue`),
    significant: boolean(o.significant, `${path}.significant`),
  }
}

function sideSummary(value: unknown, path: string): SideSummary {
  const o = object(value, path)
  let gc: SideSummary['gc']
  if (o.gc !== undefined && o.gc !== null) {
    const g = object(o.gc, `${path}.gc`)
    gc = {
      numGC: num(g.numGC, `${path}.gc.numGC`),
      gcCPUFraction: optNum(g.gcCPUFraction, `${path}.gc.gcCPUFraction`),
      gogc: optString(g.gogc, `${path}.gc.gogc`, 40),
      gomemlimit: optString(g.gomemlimit, `${path}.gc.gomemlimit`, 40),
    }
  }
  return {
    side: oneOf(o.side, `${path}.side`, ['base', 'head'] as const),
    requests: num(o.requests, `${path}.requests`),
    errors: num(o.errors, `${path}.errors`),
    requestsPerSecond: num(o.requestsPerSecond, `${path}.requestsPerSecond`),
    p99LatencyMs: num(o.p99LatencyMs, `${path}.p99LatencyMs`),
    heapGrowthPer1kRequests: num(o.heapGrowthPer1kRequests, `${path}.heapGrowthPer1kRequests`),
    liveHeapStart: num(o.liveHeapStart, `${path}.liveHeapStart`),
    liveHeapEnd: num(o.liveHeapEnd, `${path}.liveHeapEnd`),
    liveHeapSettled: num(o.liveHeapSettled, `${path}.liveHeapSettled`),
    allocBytesPerRequest: num(o.allocBytesPerRequest, `${path}.allocBytesPerRequest`),
    allocObjectsPerRequest: num(o.allocObjectsPerRequest, `${path}.allocObjectsPerRequest`),
    goroutinesStart: optNum(o.goroutinesStart, `${path}.goroutinesStart`),
    goroutinesEnd: optNum(o.goroutinesEnd, `${path}.goroutinesEnd`),
    rssPeakBytes: optNum(o.rssPeakBytes, `${path}.rssPeakBytes`),
    openFdsStart: optNum(o.openFdsStart, `${path}.openFdsStart`),
    openFdsEnd: optNum(o.openFdsEnd, `${path}.openFdsEnd`),
    gc,
    heapSeries: array(o.heapSeries, `${path}.heapSeries`, 1000, (v, p) => {
      const s = object(v, p)
      return {
        label: string(s.label, `${p}.label`, 40),
        requests: num(s.requests, `${p}.requests`),
        elapsedMs: num(s.elapsedMs, `${p}.elapsedMs`),
        inuseBytes: num(s.inuseBytes, `${p}.inuseBytes`),
      }
    }),
  }
}

/** The report's `analysis`, every field the renderer uses checked and capped. */
export function readAnalysis(value: unknown, path: string): Analysis {
  const o = object(value, path)
  const v = object(o.verdict, `${path}.verdict`)
  return {
    verdict: {
      leak: boolean(v.leak, `${path}.verdict.leak`),
      newLeak: boolean(v.newLeak, `${path}.verdict.newLeak`),
      regression: boolean(v.regression, `${path}.verdict.regression`),
    },
    findings: array(o.findings, `${path}.findings`, MAX_FINDINGS, finding),
    ...(o.fixed === undefined ? {} : { fixed: array(o.fixed, `${path}.fixed`, MAX_FINDINGS, fixedLeak) }),
    base: o.base === undefined || o.base === null ? undefined : sideSummary(o.base, `${path}.base`),
    head: sideSummary(o.head, `${path}.head`),
    total: allocatorChange(o.total, `${path}.total`),
    growing: array(o.growing, `${path}.growing`, MAX_SITES, allocatorChange),
    improved: array(o.improved, `${path}.improved`, MAX_SITES, allocatorChange),
    // A head-only report's allocators table: without it, comment mode would drop that table.
    ...(o.topAllocators === undefined
      ? {}
      : { topAllocators: array(o.topAllocators, `${path}.topAllocators`, MAX_SITES, allocatorChange) }),
    notes: array(o.notes, `${path}.notes`, MAX_NOTES, (n, p) => string(n, p, SENTENCE)),
    ...(o.untrustworthy === undefined
      ? {}
      : {
          untrustworthy: array(o.untrustworthy, `${path}.untrustworthy`, MAX_NOTES, (n, p) =>
            string(n, p, SENTENCE),
          ),
        }),
  }
}
