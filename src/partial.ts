// What is left to report when a run does not go to plan: a side that crashed
// part-way (its snapshots so far), or a head that crashed before any snapshot.
import type { Analysis, SideSummary } from './analysis/types.js'
import type { ServiceCrashedError } from './capture/measure.js'
import type { LoadStats, SideMeasurement } from './capture/types.js'

const NO_LOAD: LoadStats = {
  requests: 0,
  errors: 0,
  durationMs: 0,
  requestsPerSecond: 0,
  latencyMs: { p50: 0, p90: 0, p99: 0, max: 0 },
  statusCounts: {},
  errorSamples: [],
}

/**
 * The snapshots a crashed side took, as a measurement; undefined when it took none.
 * Even one or two are kept: the analysis copes with so few (it says they show no
 * trend), and analysing them keeps the other side's measurement in the report.
 */
export function partialMeasurement(error: ServiceCrashedError): SideMeasurement | undefined {
  if (error.snapshots.length === 0) return undefined
  const snapshots = error.snapshots.slice(0, -1)
  return {
    side: error.side,
    snapshots,
    // No settled snapshot after a crash: the last one stands in, so "released after GC?" reads as "not released".
    settled: error.snapshots[error.snapshots.length - 1],
    load: error.load ?? NO_LOAD,
    logPath: error.logPath,
    runtimeEnv: {},
    problems: [
      `the service crashed ${error.snapshots.length} snapshots into the run; figures cover the time before`,
    ],
  }
}

/**
 * Head died before anything could be measured: the crash is the report, with
 * base's summary beside it when base was measured (`analyse(baseData, undefined, options).head`).
 */
export function crashOnlyAnalysis(error: ServiceCrashedError, base?: SideSummary): Analysis {
  const load = error.load ?? NO_LOAD
  const head: SideSummary = {
    side: 'head',
    requests: load.requests,
    errors: load.errors,
    requestsPerSecond: load.requestsPerSecond,
    p99LatencyMs: load.latencyMs.p99,
    heapGrowthPer1kRequests: 0,
    liveHeapStart: 0,
    liveHeapEnd: 0,
    liveHeapSettled: 0,
    allocBytesPerRequest: 0,
    allocObjectsPerRequest: 0,
    heapSeries: [],
  }
  return {
    verdict: { leak: true, newLeak: true, regression: false },
    findings: [],
    ...(base ? { base: { ...base, side: 'base' as const } } : {}),
    head,
    total: {
      site: { key: 'total', function: '(whole process)', stack: [] },
      head: { bytesPerRequest: 0, objectsPerRequest: 0, windows: [] },
      change: 0,
      significant: false,
    },
    growing: [],
    improved: [],
    notes: ['head crashed before enough snapshots were taken: no heap or allocation figures.'],
  }
}

/** One line on the A/A run: anything it flags is noise at this load and duration. */
export function selfCheckNote(aa: Analysis): string {
  const leaks = aa.findings.filter((f) => f.kind !== 'bounded-growth' && f.kind !== 'crash')
  const change = aa.total.change
  const ci = aa.total.ci ? ` (95% CI ${pct(aa.total.ci[0])} to ${pct(aa.total.ci[1])})` : ''
  const verdict =
    leaks.length === 0 && !aa.verdict.regression
      ? 'no leak and no regression, as it should'
      : `FLAGGED ${[leaks.length ? `${leaks.length} leak(s)` : '', aa.verdict.regression ? 'a regression' : ''].filter(Boolean).join(' and ')} — the measurement is noisier than the verdict assumes; use a longer duration or more snapshots`
  return `Self-check (head measured twice, A/A): ${verdict}; allocated bytes per request differed by ${pct(change)}${ci}.`
}

function pct(x: number): string {
  if (!Number.isFinite(x)) return 'n/a'
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
}
