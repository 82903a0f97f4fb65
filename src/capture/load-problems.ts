// What the load itself says about a measurement: failed requests, no answer,
// stalls. Each is a typed value; the analysis withholds a clean verdict on any.
import type { LoadProblem, LoadStats, RawSnapshot } from '../model/sides.js'
import { formatGrouped } from '../model/format.js'

/** Above this share of failed requests the measurement is not trustworthy. */
export const MAX_ERROR_FRACTION = 0.01

export function errorFraction(stats: LoadStats): number {
  const attempts = stats.requests + (stats.statusCounts.error ?? 0)
  return attempts === 0 ? 0 : stats.errors / attempts
}

/** Reasons the load makes this measurement untrustworthy, in words for the report. */
export function loadProblems(stats: LoadStats, snapshots: RawSnapshot[]): LoadProblem[] {
  const problems: LoadProblem[] = []
  if (stats.requests === 0) {
    problems.push({ kind: 'no-answer', text: 'the service answered no request during the measured load' })
  } else {
    const fraction = errorFraction(stats)
    if (fraction > MAX_ERROR_FRACTION) {
      const breakdown = Object.entries(stats.statusCounts)
        .filter(([status]) => !/^[23]\d\d$/.test(status))
        .map(
          ([status, n]) =>
            `${status === 'error' ? 'transport errors' : `HTTP ${status}`}: ${formatGrouped(n)}`,
        )
        .join(', ')
      const example = stats.errorSamples[0] ? `; e.g. ${stats.errorSamples[0]}` : ''
      problems.push({
        kind: 'failed-requests',
        text:
          `${(fraction * 100).toFixed(1)}% of requests failed (${breakdown})${example}: ` +
          'errors take other code paths than successes, so the allocation and leak figures may not reflect the real service',
      })
    }
  }
  for (let i = 1; i < snapshots.length; i++) {
    if (snapshots[i]!.requests === snapshots[i - 1]!.requests && stats.requests > 0) {
      problems.push({
        kind: 'stalled',
        text: `no request completed between ${snapshots[i - 1]!.label} and ${snapshots[i]!.label}: the service stopped answering for a while`,
      })
      break
    }
  }
  return problems
}
