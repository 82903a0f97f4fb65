// New, worsened or pre-existing: each head finding against the base at the same
// site. The base side is judged by its rate at that site whether or not base
// crossed the detection thresholds itself, so a leak base already had (just
// under the line there) is not blamed on the pull request.
import type { Trend } from './trend.js'
import type { Finding, FindingKind, Verdict } from '../model/analysis.js'
import { isLeakKind } from '../model/finding-kinds.js'

/** Head leaks at least this many times faster than base: worsened. */
export const WORSENED_RATIO = 2

export interface BaseEvidence {
  findings: readonly Finding[]
  /** Base's trend at a site, by the head finding's kind and site key. */
  trend(kind: FindingKind, key: string): Trend | undefined
}

export function assignStatus(head: Finding[], base: BaseEvidence | undefined): void {
  for (const f of head) {
    if (!base) {
      f.status = 'unknown'
      continue
    }
    const match = base.findings.find((b) => b.kind === f.kind && b.site.key === f.site.key)
    const trend = base.trend(f.kind, f.site.key)
    const baseRate = match ? match.rate : Math.max(0, trend?.slope ?? 0)
    f.baseRate = baseRate
    if (match) {
      // Twice as fast, and beyond what base's own interval allows.
      const high = trend && Number.isFinite(trend.slopeHigh) ? trend.slopeHigh : baseRate
      f.status = f.rate >= WORSENED_RATIO * baseRate && f.rate > high ? 'worsened' : 'pre-existing'
    } else if (baseRate > 0 && f.rate <= WORSENED_RATIO * baseRate) {
      f.status = 'pre-existing'
      f.details.baseBelowDetection = `base grows here too (${trend?.reason ?? 'below the detection thresholds'})`
    } else {
      f.status = 'new'
    }
  }
}

export function verdictOf(findings: readonly Finding[], regression: boolean): Verdict {
  const leaks = findings.filter((f) => isLeakKind(f.kind))
  return {
    leak: leaks.length > 0,
    newLeak: leaks.some((f) => f.status === 'new' || f.status === 'worsened'),
    regression,
  }
}
