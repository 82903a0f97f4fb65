// The first thing a reviewer reads: is this PR safe? One verdict, one number,
// one place in the code; the other verdicts as short lines under it.
import { measuredLengths } from './timing.js'
import type { AllocatorChange, Finding, FindingKind, FixedLeak } from '../model/analysis.js'
import { isLeakKind, KIND_LABEL } from '../model/finding-kinds.js'
import { codeSpan, escapeMarkdown } from './escape.js'
import {
  formatBytes,
  formatChange,
  formatCount,
  formatDuration,
  formatRate,
  shortSha,
} from '../model/format.js'
import { fn, proseToMarkdown, shortLocation, type RenderContext } from './inline.js'

const STATUS_RANK: Record<Finding['status'], number> = { new: 0, worsened: 1, unknown: 2, 'pre-existing': 3 }

export function isLeak(f: Finding): boolean {
  return isLeakKind(f.kind)
}

/** Memory the cause adds per request, as the analysis weighed it (0 when not recorded). */
function harm(f: Finding): number {
  const h = f.details.harmPerRequest
  return typeof h === 'number' && Number.isFinite(h) ? h : 0
}

/** Leaks before information, new before old, a crash first, then by the memory each cause adds; stable otherwise. */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  const rank = (f: Finding): number =>
    (isLeak(f) ? 0 : 100) + STATUS_RANK[f.status] * 10 + (f.kind === 'crash' ? 0 : 1)
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || harm(b.f) - harm(a.f) || a.i - b.i)
    .map(({ f }) => f)
}

/** The cause as a reviewer names it: "connection leak: response body not closed". */
export function causeLabel(f: Pick<Finding, 'kind'> & { details?: Finding['details'] }): string {
  if (f.kind === 'connection-leak' && f.details?.hintRule === 'response-body')
    return 'connection leak: response body not closed'
  return KIND_LABEL[f.kind]
}

/** The growing site to blame for a regression: the largest significant one in the service's own code, if any. */
export function blamedAllocator(growing: readonly AllocatorChange[]): AllocatorChange | undefined {
  const significant = growing.filter((g) => g.significant && g.change > 0)
  return significant.find((g) => g.site.ownFrame) ?? significant[0]
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

const VERB: Record<FindingKind, string> = {
  'heap-leak': 'retained in',
  'goroutine-leak': 'stuck in',
  'connection-leak': 'left open by',
  'rss-growth': 'of RSS, near',
  'bounded-growth': 'held by',
  crash: 'in',
}

/** "+412 B/req retained in `main.rememberResponse` (handlers.go:42)". */
export function findingNumber(f: Finding): string {
  if (f.kind === 'crash') return proseToMarkdown(f.summary, 300)
  // RSS has no stack: without a line to blame, say what is known.
  if (f.kind === 'rss-growth' && !f.site.ownFrame)
    return `${escapeMarkdown(formatRate(f.rate, f.unit))} of RSS while the live Go heap stays flat`
  const frame = f.site.ownFrame
  const where = shortLocation(frame)
  const at = where ? ` (${escapeMarkdown(where, { max: 80 })})` : ''
  const name = frame?.function || f.site.function
  const rate = escapeMarkdown(formatRate(f.rate, f.unit))
  if (!name) return rate
  // The library or runtime frame where it happens, when the line to change is elsewhere.
  const other =
    f.site.function && frame && f.site.function !== frame.function && !f.site.function.startsWith('(')
  if (other && f.kind === 'goroutine-leak' && !f.site.stack.some((s) => s.startsWith(`${frame.function} `)))
    return `${rate} ${VERB[f.kind]} ${fn(f.site.function)}, started by ${fn(frame.function)}${at}`
  const via =
    other && (f.kind === 'heap-leak' || f.kind === 'rss-growth') ? ` via ${fn(f.site.function)}` : ''
  return `${rate} ${VERB[f.kind]} ${fn(name)}${at}${via}`
}

/** "Fixes base's connection leak at `main.go:107`" (or "slows", when head still leaks there at under half the rate). */
export function fixedText(f: FixedLeak): string {
  const where = shortLocation(f.site.ownFrame)
  const name = f.site.ownFrame?.function || f.site.function
  const at = where ? ` at ${codeSpan(where, { max: 80 })}` : name ? ` in ${fn(name)}` : ''
  const verb = f.how === 'gone' ? 'Fixes' : 'Slows'
  const rate = escapeMarkdown(
    f.how === 'gone'
      ? `was ${formatRate(f.baseRate, f.unit)}`
      : `${formatRate(f.baseRate, f.unit)} → ${formatRate(f.headRate, f.unit)}`,
  )
  return `${verb} base's ${KIND_LABEL[f.kind]}${at} (${rate})`
}

function allocationNumber(total: AllocatorChange, top: AllocatorChange | undefined): string {
  const base = total.base ? formatBytes(total.base.bytesPerRequest) : undefined
  let text = `${escapeMarkdown(formatChange(total.change))} bytes allocated per request`
  if (base) text += ` (${escapeMarkdown(`${base} → ${formatBytes(total.head.bytesPerRequest)}`)})`
  if (top) {
    const where = shortLocation(top.site.ownFrame)
    text += `, most in ${fn(top.site.ownFrame?.function || top.site.function)}${where ? ` (${escapeMarkdown(where, { max: 80 })})` : ''}`
  }
  return text
}

/** The title of a run with no leak and no regression: clean, a fix, or no verdict when the measurement is in doubt. */
function noLeakTitle(analysis: RenderContext['report']['analysis']): string {
  const fixed = analysis.fixed ?? []
  const hasBase = analysis.base !== undefined
  const change = hasBase
    ? ` (${escapeMarkdown(formatChange(analysis.total.change))} allocated per request)`
    : ''
  let title = hasBase ? `✅ No leak, no allocation regression${change}` : '✅ No leak found'
  if (fixed[0])
    title = `✅ ${fixedText(fixed[0])}${fixed.length > 1 ? ` (and ${fixed.length - 1} more)` : ''}`
  const doubt = analysis.untrustworthy?.[0]
  if (doubt) {
    // The pipeline's stop note ("timeout after 15m: head measured for 8 s of 20 s; results are partial").
    title = doubt.endsWith('results are partial')
      ? `⚠️ No verdict: the run was cut short (${escapeMarkdown(doubt.split(':')[0])}; see the notes)`
      : `⚠️ No verdict: the measurement is not trustworthy (${escapeMarkdown(doubt.split(':')[0])}: requests failed under load; see the notes)`
  }
  return title
}

export function headline(ctx: RenderContext): string[] {
  const { analysis } = ctx.report
  const { verdict } = analysis
  const findings = orderFindings(analysis.findings)
  const leaks = findings.filter(isLeak)
  const fresh = leaks.filter((f) => f.status === 'new' || f.status === 'worsened')
  const crash = leaks.find((f) => f.kind === 'crash')
  const topGrowing = blamedAllocator(analysis.growing)
  const fixed = analysis.fixed ?? []
  const hasBase = analysis.base !== undefined

  let title: string
  const others: string[] = []
  if (crash) {
    title = `❌ Service crashed under load: ${findingNumber(crash)}`
  } else if (verdict.newLeak || (!hasBase && verdict.leak)) {
    const f = fresh[0] ?? leaks[0]
    const label = f ? causeLabel(f) : 'leak'
    const prefix =
      !f || f.status === 'new'
        ? `New ${label}`
        : f.status === 'worsened'
          ? `Worse ${label}`
          : capitalise(label)
    title = f ? `❌ ${prefix}: ${findingNumber(f)}` : `❌ ${prefix}`
  } else if (verdict.regression) {
    title = `⚠️ Allocation regression: ${allocationNumber(analysis.total, topGrowing)}`
  } else if (verdict.leak) {
    const f = leaks[0]
    title = f
      ? `ℹ️ No new leak; pre-existing ${causeLabel(f)}: ${findingNumber(f)}`
      : 'ℹ️ No new leak; a pre-existing one'
  } else {
    title = noLeakTitle(analysis)
  }

  // What the title did not say.
  const shownLeak =
    crash ??
    (verdict.newLeak || (!hasBase && verdict.leak)
      ? (fresh[0] ?? leaks[0])
      : verdict.leak && !verdict.regression
        ? leaks[0]
        : undefined)
  if (fixed.length && !title.startsWith('✅ Fixes'))
    others.push(...fixed.slice(0, 3).map((f) => `✅ ${fixedText(f)}`))
  if (verdict.regression && !title.startsWith('⚠️'))
    others.push(`⚠️ Allocation regression: ${allocationNumber(analysis.total, topGrowing)}`)
  const moreLeaks = leaks.filter((f) => f !== shownLeak)
  const moreFresh = moreLeaks.filter((f) => f.status === 'new' || f.status === 'worsened')
  const moreOld = moreLeaks.filter((f) => f.status === 'pre-existing' || f.status === 'unknown')
  if (moreFresh.length)
    others.push(`❌ ${moreFresh.length} more new ${moreFresh.length === 1 ? 'leak' : 'leaks'} below`)
  if (moreOld.length)
    others.push(
      `ℹ️ ${moreOld.length} pre-existing ${moreOld.length === 1 ? 'leak' : 'leaks'} (on base too) below`,
    )
  const bounded = findings.filter((f) => f.kind === 'bounded-growth').length
  if (bounded)
    others.push(
      `ℹ️ ${bounded} bounded growth ${bounded === 1 ? 'site' : 'sites'} (fills, then plateaus: not a leak)`,
    )

  const lines = [`### ${title}`, '']
  lines.push(contextLine(ctx))
  lines.push('')
  lines.push(checkLine(ctx))
  if (others.length) {
    lines.push('')
    for (const o of others) lines.push(`- ${o}`)
  }
  return lines
}

function contextLine(ctx: RenderContext): string {
  const { meta, analysis } = ctx.report
  // The default package, `.`, says nothing: name the module instead (or nothing).
  const pkg = /^\.?\/*$/.test(meta.package) ? meta.modulePath : meta.package
  const parts = pkg ? [codeSpan(pkg, { max: 80 })] : []
  const base = shortSha(meta.baseSha)
  // Without a commit (the CLI on a checkout), head is what was built: the working tree as it stands.
  const head = shortSha(meta.headSha)
  const headText = head ? `head ${codeSpan(head)}` : 'head (working tree)'
  if (analysis.base) parts.push(`base ${base ? codeSpan(base) + ' ' : ''}→ ${headText}`)
  else parts.push(`${headText} only (no base to compare)`)
  const reqs = analysis.base
    ? `${formatCount(analysis.base.requests)} / ${formatCount(analysis.head.requests)} requests`
    : `${formatCount(analysis.head.requests)} requests`
  const cutShort = analysis.untrustworthy?.some((n) => n.endsWith('results are partial'))
  const lengths = measuredLengths(meta)
  const measured = lengths
    ? `${lengths}${analysis.base ? ' (base / head, stopped when the answer was known)' : ''}`
    : `${formatDuration(meta.durationMs)}${analysis.base ? ' per side' : ''}`
  parts.push(`${escapeMarkdown(reqs)} in ${escapeMarkdown(measured)}${cutShort ? ' (cut short)' : ''}`)
  return parts.join(' · ')
}

function checkLine(ctx: RenderContext): string {
  const { meta, failures, analysis } = ctx.report
  const words = meta.failOn.length ? meta.failOn : ['none']
  const spans = (list: string[]): string => list.map((w) => codeSpan(w, { max: 20 })).join(', ')
  const failOn = spans(words)
  if (failures.length === 0) return `**Check passes** (fail-on: ${failOn})`
  const v = analysis.verdict
  const matched = words.filter(
    (w) =>
      (w === 'leak' && v.leak) || (w === 'new-leak' && v.newLeak) || (w === 'regression' && v.regression),
  )
  // Each fail-on word once: the ones that matched, then the ones that did not.
  const unmatched = words.filter((w) => !matched.includes(w))
  if (matched.length)
    return `**Check fails**: fail-on ${spans(matched)} matched${unmatched.length ? `; ${spans(unmatched)} did not` : ''}`
  // The reasons did not come from the verdict: show them as they are.
  return `**Check fails** (fail-on: ${failOn}): ${failures
    .slice(0, 5)
    .map((f) => escapeMarkdown(f, { max: 400 }))
    .join('; ')}`
}

/** One line per finding: for the compact forms when the comment is trimmed. */
export function findingOneLiner(f: Finding): string {
  return `${capitalise(causeLabel(f))} (${f.status}): ${findingNumber(f)}`
}
