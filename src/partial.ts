// What is left to report when a run does not go to plan: a side that crashed
// or was stopped (deadline, cancelled job) part-way, with its snapshots so far;
// or a head that has no snapshot at all, beside base when base was measured.
import type { Analysis, SideSummary } from './analysis/types.js'
import {
  ServiceCrashedError,
  type MeasurementStoppedError,
  type SideCutShortError,
} from './capture/measure.js'
import type { LoadStats, SideMeasurement, SideName } from './capture/types.js'
import { formatSeconds } from './service/http.js'

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
 * The snapshots a side cut short took, as a measurement; undefined when it took none.
 * Even one or two are kept: the analysis copes with so few (it says they show no
 * trend), and analysing them keeps the other side's measurement in the report.
 */
export function partialMeasurement(error: SideCutShortError): SideMeasurement | undefined {
  if (error.snapshots.length === 0) return undefined
  const crashed = error instanceof ServiceCrashedError
  // A stopped side's snapshots are all sound: every one counts as a point of the load (two give a
  // window of allocation per request). A crashed side's last one stands in for the settled one.
  const snapshots = crashed ? error.snapshots.slice(0, -1) : error.snapshots
  return {
    side: error.side,
    snapshots,
    // No settled snapshot: the last one stands in, so "released after GC?" reads as "not released".
    settled: error.snapshots[error.snapshots.length - 1],
    load: error.load ?? NO_LOAD,
    logPath: error.logPath,
    runtimeEnv: {},
    // A stopped run says so once for every side (stoppedNote), not per side.
    ...(crashed
      ? {
          problems: [
            `the service crashed ${error.snapshots.length} snapshots into the run; figures cover the time before`,
          ],
        }
      : {}),
  }
}

/**
 * The one line a stopped run's report carries, e.g. "timeout after 15m: head
 * measured for 8 s of 20 s; results are partial". Sides measured to the end go
 * unmentioned; a side the run never reached is "not measured".
 */
export function stoppedNote(
  summary: string,
  sides: readonly SideName[],
  stopped: Partial<Record<SideName, MeasurementStoppedError>>,
  measured: Partial<Record<SideName, unknown>>,
): string {
  const parts: string[] = []
  for (const side of sides) {
    const cut = stopped[side]
    if (cut) {
      const last = cut.snapshots[cut.snapshots.length - 1]
      parts.push(
        last
          ? `${side} measured for ${formatSeconds(Math.round(last.elapsedMs / 1000) * 1000)} of ${formatSeconds(cut.durationMs)}`
          : `${side} stopped before its first snapshot`,
      )
    } else if (!measured[side]) parts.push(`${side} not measured`)
  }
  if (parts.length === 0) return `${summary}: every side measured, the self-check (A/A) was not finished`
  return `${summary}: ${parts.join(', ')}; results are partial`
}

/**
 * Head died before anything could be measured: the crash is the report, with
 * base's summary beside it when base was measured (`analyse(baseData, undefined, options).head`).
 */
export function crashOnlyAnalysis(error: ServiceCrashedError, base?: SideSummary): Analysis {
  return headlessAnalysis(error.load, base, {
    verdict: { leak: true, newLeak: true, regression: false },
    note: 'head crashed before enough snapshots were taken: no heap or allocation figures.',
  })
}

/**
 * The run was stopped before head took a snapshot: base's summary when there is
 * one, and no verdict either way (the caller marks the run untrustworthy).
 */
export function stoppedOnlyAnalysis(error: SideCutShortError | undefined, base?: SideSummary): Analysis {
  return headlessAnalysis(error?.load, base, {
    verdict: { leak: false, newLeak: false, regression: false },
    note: 'head has no snapshot: no heap or allocation figures for head.',
  })
}

function headlessAnalysis(
  headLoad: LoadStats | undefined,
  base: SideSummary | undefined,
  how: { verdict: Analysis['verdict']; note: string },
): Analysis {
  const load = headLoad ?? NO_LOAD
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
    verdict: how.verdict,
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
    notes: [how.note],
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
