// What the run cost (issue 16): the seconds of each phase and why each side's
// load ended, for the comment's footer and the job summary (the same Markdown).
import type { ReportMeta, SideTiming } from '../model/report.js'
import { formatDuration } from '../model/format.js'
import { escapeMarkdown } from './escape.js'

/** "stopped at 7.5 s: floor 2.8 B/req reached" (or "measured 60 s" on the fixed schedule). */
function stopText(t: SideTiming): string {
  return t.stop
    ? `stopped at ${formatDuration(t.measuredMs)}: ${t.stop.why}`
    : `measured ${formatDuration(t.measuredMs)}`
}

/** "base stopped at 7.5 s: floor 2.8 B/req reached". */
export function sideStopText(t: SideTiming): string {
  return `${t.side} ${stopText(t)}`
}

/**
 * "⏱ 29.9 s to the verdict: builds 1.6 s · base 0.1 s start + 5 s warmup + 7.5 s measured +
 * 0.4 s settle (stopped at 7.5 s: …) · … · analysis 1.1 s", escaped: the stop's words come
 * from a report the PR's run may have written.
 */
export function timingLine(meta: ReportMeta): string | undefined {
  const t = meta.timing
  if (!t) return undefined
  const sides = t.sides.map((s) => {
    const parts = [
      `${formatDuration(s.startMs)} start`,
      `${formatDuration(s.warmupMs)} warmup`,
      `${formatDuration(s.measuredMs)} measured`,
      `${formatDuration(s.settleMs)} settle`,
    ]
    return `${s.side} ${parts.join(' + ')} (${stopText(s)})`
  })
  const text = [
    `⏱ ${formatDuration(t.totalMs)} to the verdict: builds ${formatDuration(t.buildMs)}`,
    ...sides,
    `analysis ${formatDuration(t.analysisMs)}`,
  ].join(' · ')
  return escapeMarkdown(text, { max: 600 })
}

/** "12.9 s / 7.5 s" (base / head) when the sides stopped early; undefined otherwise. */
export function measuredLengths(meta: ReportMeta): string | undefined {
  const sides = meta.timing?.sides ?? []
  if (!meta.stopEarly || sides.length === 0) return undefined
  return sides.map((s) => formatDuration(s.measuredMs)).join(' / ')
}
