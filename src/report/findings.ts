// Leak findings: what grows, where, how fast, how sure, and what to change.
import type { Finding, FixedLeak } from '../model/analysis.js'
import { codeBlock, escapeHtml, escapeMarkdown } from './escape.js'
import {
  downsample,
  formatBytes,
  formatCount,
  formatPValue,
  formatQuantity,
  formatRate,
  sparkline,
} from '../model/format.js'
import { detailParts } from './details.js'
import { causeLabel, fixedText } from './headline.js'
import { fn, location, proseToMarkdown, shortFunction, type RenderContext } from './inline.js'

/** The title of a finding says how it compares with base. */
function titleOf(f: Finding): string {
  const label = causeLabel(f)
  if (f.kind === 'bounded-growth') return 'ℹ️ Bounded growth (fills, then plateaus: not a leak)'
  if (f.kind === 'crash') return '❌ Crash under load'
  switch (f.status) {
    case 'new':
      return `❌ New ${label} (not on base)`
    case 'worsened':
      return `❌ Worse ${label} (at least twice base's rate)`
    case 'pre-existing':
      return `ℹ️ Pre-existing ${label} (base leaks at a similar rate)`
    default:
      return `❌ ${label.charAt(0).toUpperCase()}${label.slice(1)} (no base measured)`
  }
}

function isBytes(unit: string): boolean {
  return unit.replace(/\/req(uest)?$/, '') === 'B'
}

function value(v: number, unit: string): string {
  return isBytes(unit) ? formatBytes(v) : formatCount(v)
}

/** ▁▂▄▆█ 3.1 MiB → 22.7 MiB over 48.2k requests · after the load, with a GC: 22.6 MiB · trend p < 0.001 */
function evidenceLine(f: Finding): string | undefined {
  const { requests, values, settled, pValue } = f.evidence
  if (values.length === 0) return undefined
  const spark = sparkline(downsample(values, 24))
  const first = values[0]
  const last = values[values.length - 1]
  const span = requests.length ? requests[requests.length - 1] - requests[0] : NaN
  const parts = [
    `${spark ? `${spark} ` : ''}${value(first, f.unit)} → ${value(last, f.unit)}${Number.isFinite(span) && span > 0 ? ` over ${formatCount(span)} requests` : ''}`,
  ]
  if (settled !== undefined) parts.push(`after the load stopped: ${value(settled, f.unit)}`)
  if (pValue !== undefined) parts.push(`trend ${formatPValue(pValue)}`)
  return escapeMarkdown(parts.join(' · '), { max: 0 })
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)

/** The same cause's other evidence, folded into this finding: "+765 B/req heap, +1 fd per 200 requests". */
function alsoLine(f: Finding): string | undefined {
  const d = f.details
  const parts: string[] = []
  const heap = num(d.heapRetainedPerRequest)
  if (heap !== undefined && heap > 0 && f.kind !== 'heap-leak')
    parts.push(`${formatRate(heap, 'B/req')} heap`)
  const stacks = num(d.stackBytesPerRequest)
  if (stacks !== undefined && stacks > 0) parts.push(`${formatRate(stacks, 'B/req')} of goroutine stacks`)
  const fds = num(d.fdsPer1kRequests)
  if (fds !== undefined && fds > 0)
    parts.push(`+1 open fd per ${formatCount(Math.max(1, Math.round(1000 / fds)))} requests`)
  if (typeof d.serverEnd === 'string') parts.push(`the server end of the same connections (${d.serverEnd})`)
  const rss = num(d.rssPerRequest)
  if (rss !== undefined && rss > 0) parts.push(`${formatRate(rss, 'B/req')} of RSS`)
  if (parts.length === 0) return undefined
  const total = num(d.harmPerRequest)
  const cost = total !== undefined && parts.length > 1 ? `; about ${formatRate(total, 'B/req')} in all` : ''
  return escapeMarkdown(parts.join(', ') + cost, { max: 600 })
}

/** The leaks base had that head fixed, one line each. */
export function fixedSection(fixed: readonly FixedLeak[]): string[] {
  if (fixed.length === 0) return []
  const out = ['#### Fixed by this PR', '']
  for (const f of fixed.slice(0, 10))
    out.push(`- ✅ ${fixedText(f)}. On base: ${proseToMarkdown(f.summary, 400)}`)
  if (fixed.length > 10) out.push(`- ${escapeMarkdown(`…and ${fixed.length - 10} more in the JSON report.`)}`)
  out.push('')
  return out
}

/**
 * The details group that holds the same series as the evidence line, per kind:
 * shown once, in the evidence, when that line is rendered.
 */
const EVIDENCE_GROUP: Partial<Record<Finding['kind'], string>> = {
  'heap-leak': '',
  'bounded-growth': '',
  'goroutine-leak': 'count',
  'connection-leak': 'readLoop',
  'rss-growth': 'rss',
}

/**
 * Kinds whose summary sentence restates the rate, growth and series the bullets
 * give; a crash's (what died, when) and bounded growth's (where it levelled off) do not.
 */
const SUMMARY_RESTATES = new Set<Finding['kind']>([
  'heap-leak',
  'goroutine-leak',
  'connection-leak',
  'rss-growth',
])

export interface FindingDetail {
  evidence: boolean
  stack: boolean
}

export function renderFinding(f: Finding, ctx: RenderContext, detail: FindingDetail): string[] {
  const frame = f.site.ownFrame
  const name = frame?.function || f.site.function
  const title = `**${escapeMarkdown(titleOf(f))}**`
  // RSS has no stack: "(process RSS)" is not a place in the code.
  const placeless = f.kind === 'rss-growth' && !frame
  const where = name && !placeless ? ` in ${fn(name)}${frame ? ` at ${location(frame, ctx)}` : ''}` : ''
  const out = [`${title}${where}`, '']
  if (f.summary && !SUMMARY_RESTATES.has(f.kind)) out.push(proseToMarkdown(f.summary), '')

  const facts: string[] = []
  const rate = escapeMarkdown(formatRate(f.rate, f.unit))
  const { slopeLow, slopeHigh } = f.details
  const aside = [
    typeof slopeLow === 'number' && typeof slopeHigh === 'number'
      ? `95% interval ${formatRate(slopeLow, f.unit)} to ${formatRate(slopeHigh, f.unit)}`
      : undefined,
    f.baseRate !== undefined ? `base ${formatRate(f.baseRate, f.unit)}` : undefined,
  ].filter(Boolean)
  const baseRate = aside.length ? ` (${escapeMarkdown(aside.join('; '))})` : ''
  if (f.kind !== 'crash') {
    facts.push(
      `**Rate:** ${rate}${baseRate} · **growth over the run:** ${escapeMarkdown(formatQuantity(f.growth, f.unit))}`,
    )
  }
  const ev = detail.evidence ? evidenceLine(f) : undefined
  if (ev) facts.push(`**Evidence:** ${ev}`)
  const also = alsoLine(f)
  if (also) facts.push(`**Also:** ${also}`)
  const { inline, blocks } = detailParts(f.details, ev ? EVIDENCE_GROUP[f.kind] : undefined)
  if (inline.length) facts.push(`**Details:** ${inline.join(' · ')}`)
  if (f.hint) facts.push(`**Fix:** ${proseToMarkdown(f.hint)}`)
  for (const fact of facts) out.push(`- ${fact}`)
  out.push('')

  for (const b of detail.stack ? blocks : []) {
    const lines = b.text.split(/\r\n|\r|\n/)
    out.push(`<details><summary>${escapeHtml(b.title, { max: 60 })} (${lines.length} lines)</summary>`, '')
    out.push(codeBlock(lines.slice(-60).join('\n'), 'text'), '', '</details>', '')
  }
  if (detail.stack && f.site.stack.length) {
    out.push(
      `<details><summary>Stack of ${escapeHtml(shortFunction(f.site.function), { max: 100 })} (${f.site.stack.length} frames)</summary>`,
      '',
    )
    out.push(
      codeBlock(f.site.stack.map((s) => s.replace(/[\r\n]+/g, ' ').slice(0, 500)).join('\n'), 'text'),
      '',
      '</details>',
      '',
    )
  }
  return out
}
