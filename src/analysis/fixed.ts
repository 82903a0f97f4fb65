// What the PR fixes: a leak base has that head no longer has, or has at under half
// the rate beyond doubt. A clean PR that fixes a leak should say so, and a reviewer
// should see which base finding went away.
import type { Trend } from './trend.js'
import type { Finding, FindingKind, FixedLeak } from '../model/analysis.js'
import { isLeakKind } from '../model/finding-kinds.js'

/** Head leaks at under this share of base's rate (its whole interval below it): fixed in part. */
export const FIXED_RATIO = 0.5

export interface HeadEvidence {
  findings: readonly Finding[]
  trend(kind: FindingKind, key: string): Trend | undefined
}

export function fixedLeaks(base: readonly Finding[], head: HeadEvidence): FixedLeak[] {
  const fixed: FixedLeak[] = []
  for (const b of base) {
    if (!isLeakKind(b.kind) || !(b.rate > 0)) continue
    const still = head.findings.find((h) => h.kind === b.kind && h.site.key === b.site.key)
    const trend = head.trend(b.kind, b.site.key)
    const headRate = still ? still.rate : Math.max(0, trend?.slope ?? 0)
    const headHigh = still
      ? Number(still.details.slopeHigh ?? still.rate)
      : trend && Number.isFinite(trend.slopeHigh)
        ? Math.max(0, trend.slopeHigh)
        : headRate
    // Beyond doubt: even the top of head's interval is under half of base's rate.
    if (headHigh >= FIXED_RATIO * b.rate) continue
    fixed.push({
      kind: b.kind,
      site: b.site,
      unit: b.unit,
      baseRate: b.rate,
      headRate,
      how: still ? 'slower' : 'gone',
      summary: b.summary,
    })
  }
  return fixed
}
