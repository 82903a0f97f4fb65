// The comment's last lines: what was run, with what, on what, and what it cost.
import { formatDuration, formatFraction } from '../model/format.js'
import { codeSpan, escapeMarkdown } from './escape.js'
import type { RenderContext } from './inline.js'
import { timingLine } from './timing.js'

export function footer(ctx: RenderContext): string {
  const { meta, tool } = ctx.report
  const reqs = meta.requests.slice(0, 3).map((r) => codeSpan(r, { max: 60 }))
  if (meta.requests.length > 3) reqs.push(escapeMarkdown(`+${meta.requests.length - 3} more`))
  const parts = [
    escapeMarkdown(`${tool.name} ${tool.version}`, { max: 80 }),
    escapeMarkdown(
      meta.stopEarly
        ? `${meta.connections} connections, ${formatDuration(meta.warmupMs)} warmup + at most ${formatDuration(meta.durationMs)} measured, stopping when the answer is known`
        : `${meta.connections} connections, ${formatDuration(meta.warmupMs)} warmup + ${formatDuration(meta.durationMs)} measured, ${meta.snapshots} snapshots`,
    ),
    `requests: ${reqs.join(', ') || '—'}`,
    escapeMarkdown([meta.goVersion, meta.platform].filter(Boolean).join(' '), { max: 80 }),
    escapeMarkdown(`regression threshold ${formatFraction(meta.regressionThreshold)}`),
  ]
  const cost = timingLine(meta)
  return `<sub>${parts.filter(Boolean).join(' · ')}</sub>` + (cost ? `<br>\n<sub>${cost}</sub>` : '')
}
