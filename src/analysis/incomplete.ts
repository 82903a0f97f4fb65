// What is left to say when a run does not go to plan: the note of a run stopped
// (deadline, cancelled job) part-way; a head that has no snapshot at all, beside
// base when base was measured; and the one line of the self-check (A/A) run.
import type { Analysis, SideSummary } from '../model/analysis.js'
import {
  NO_LOAD,
  type Crash,
  type CutShort,
  type LoadStats,
  type SideName,
  type Stop,
} from '../model/sides.js'
import { formatSeconds } from '../service/http.js'
import { TOTAL_SITE } from './regression.js'

/**
 * The one line a stopped run's report carries, e.g. "timeout after 15m: head
 * measured for 8 s of 20 s; results are partial". Sides measured to the end go
 * unmentioned; a side the run never reached is "not measured".
 */
export function stoppedNote(
  summary: string,
  sides: readonly SideName[],
  stopped: Partial<Record<SideName, Stop>>,
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
 * base's summary beside it when base was measured (`compareSides(baseData, undefined, options).head`).
 */
export function crashOnlyAnalysis(error: Crash, base?: SideSummary): Analysis {
  return headlessAnalysis(error.load, base, {
    verdict: { leak: true, newLeak: true, regression: false },
    note: 'head crashed before enough snapshots were taken: no heap or allocation figures.',
  })
}

/**
 * The run was stopped before head took a snapshot: base's summary when there is
 * one, and no verdict either way (the caller marks the run untrustworthy).
 */
export function stoppedOnlyAnalysis(error: CutShort | undefined, base?: SideSummary): Analysis {
  return headlessAnalysis(error?.load, base, {
    verdict: { leak: false, newLeak: false, regression: false },
    note: 'head has no snapshot: no heap or allocation figures for head.',
  })
}

function headlessAnalysis(
  headLoad: LoadStats | undefined,
  base: SideSummary | undefined,
  headless: { verdict: Analysis['verdict']; note: string },
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
    verdict: headless.verdict,
    findings: [],
    ...(base ? { base: { ...base, side: 'base' as const } } : {}),
    head,
    total: {
      site: TOTAL_SITE,
      head: { bytesPerRequest: 0, objectsPerRequest: 0, windows: [] },
      change: 0,
      significant: false,
    },
    growing: [],
    improved: [],
    notes: [headless.note],
  }
}

/** One line on the A/A run: anything it flags is noise at this load and duration. */
export function selfCheckNote(selfCheck: Analysis): string {
  const leaks = selfCheck.findings.filter((f) => f.kind !== 'bounded-growth' && f.kind !== 'crash')
  const change = selfCheck.total.change
  const ci = selfCheck.total.ci
    ? ` (95% CI ${pct(selfCheck.total.ci[0])} to ${pct(selfCheck.total.ci[1])})`
    : ''
  const verdict =
    leaks.length === 0 && !selfCheck.verdict.regression
      ? 'no leak and no regression, as it should'
      : `FLAGGED ${[leaks.length ? `${leaks.length} leak(s)` : '', selfCheck.verdict.regression ? 'a regression' : ''].filter(Boolean).join(' and ')} — the measurement is noisier than the verdict assumes; use a longer duration or more snapshots`
  return `Self-check (head measured twice, A/A): ${verdict}; allocated bytes per request differed by ${pct(change)}${ci}.`
}

function pct(x: number): string {
  if (!Number.isFinite(x)) return 'n/a'
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`
}
