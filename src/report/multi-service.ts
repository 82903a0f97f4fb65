// One comment for a matrix of services: a row per service with its verdict, then
// each service's full report folded under it. Pure: reports in, Markdown out.
// When the whole is too long, the folded reports share what is left fairly (the
// short ones whole, the long ones trimmed by the report's own renderer, which
// drops detail from the bottom), and one that would get too little is left out
// with a note; the table is never cut.
import { markdownTable } from 'markdown-table'
import type { Verdict } from '../model/analysis.js'
import { codeSpan, escapeHtml, escapeMarkdown, safeUrl } from './escape.js'
import { formatBytes, formatChange, formatSignedBytes } from '../model/format.js'
import { KIND_LABEL } from '../model/finding-kinds.js'
import { isLeak, orderFindings } from './headline.js'
import { MAX_COMMENT_CHARS, renderMarkdown } from './markdown.js'
import type { Report } from '../model/report.js'
import { headlineOf } from './plain-text.js'

export interface ServiceReport {
  /** Shown in the table: the package's path in the repository. */
  name: string
  report: Report
}

export interface AggregateOptions {
  /** The sticky comment's hidden first line (commentMarker of this job's comment id). */
  marker: string
  /** The run's page, where the artifacts with the profiles are listed. */
  artifactUrl?: string
  /** Cap in UTF-16 code units (default 65,536, GitHub's limit on a comment). */
  maxChars?: number
  /** Cap in UTF-8 bytes (the job summary). */
  maxBytes?: number
  /** This job's version, for the footer. */
  version?: string
}

/** A folded report smaller than this says too little to be worth its room. */
const MIN_DETAILS = 3000

/** services/api + ./cmd/api -> services/api/cmd/api. */
function packagePath(report: Report): string {
  const strip = (p: string): string =>
    p
      .replace(/^\.\/+/, '')
      .replace(/\/+$/, '')
      .replace(/^\.$/, '')
  const path = [strip(report.meta.workingDirectory), strip(report.meta.package)].filter(Boolean).join('/')
  return path || report.meta.modulePath || '.'
}

/** One name per report, unique: the package path, with the measuring job's comment id when two share it. */
export function serviceNames(reports: readonly Report[]): string[] {
  const paths = reports.map(packagePath)
  const names = paths.map((p, i) =>
    paths.indexOf(p) !== paths.lastIndexOf(p) ? `${p} (${reports[i].meta.commentId})` : p,
  )
  return names.map((n, i) => (names.indexOf(n) !== i ? `${n} #${i + 1}` : n))
}

function fails(report: Report): boolean {
  return report.failures.length > 0
}

/** The verdict of one service as a few words: what a row says. */
export function verdictWords(report: Report): string {
  const { verdict, findings } = report.analysis
  const leaks = orderFindings(findings).filter(isLeak)
  const parts: string[] = []
  const crash = leaks.find((f) => f.kind === 'crash')
  const fresh = leaks.find((f) => f.status === 'new' || f.status === 'worsened')
  if (crash) parts.push('❌ crashed under load')
  else if (verdict.newLeak) parts.push(`❌ new ${fresh ? KIND_LABEL[fresh.kind] : 'leak'}`)
  else if (verdict.leak) parts.push(`ℹ️ pre-existing ${leaks[0] ? KIND_LABEL[leaks[0].kind] : 'leak'}`)
  if (verdict.regression) parts.push('⚠️ allocation regression')
  return parts.length ? parts.join(', ') : '✅ clean'
}

/** Worst first: failing, then flagged, then clean; by name within each. */
function rank(s: ServiceReport): number {
  const v = s.report.analysis.verdict
  return fails(s.report) ? 0 : v.leak || v.newLeak || v.regression ? 1 : 2
}

function row(s: ServiceReport): string[] {
  const { analysis } = s.report
  const cell = (text: string): string => escapeMarkdown(text, { max: 120 })
  const heap = analysis.base
    ? `${formatSignedBytes(analysis.base.heapGrowthPer1kRequests)} → ${formatSignedBytes(analysis.head.heapGrowthPer1kRequests)}`
    : formatSignedBytes(analysis.head.heapGrowthPer1kRequests)
  const total = analysis.total
  const alloc = total.base
    ? `${formatBytes(total.base.bytesPerRequest)} → ${formatBytes(total.head.bytesPerRequest)} (${formatChange(total.change)})`
    : formatBytes(total.head.bytesPerRequest)
  return [
    codeSpan(s.name, { table: true, max: 80 }),
    cell(verdictWords(s.report)),
    cell(heap),
    cell(alloc),
    fails(s.report) ? '**fails**' : 'passes',
  ]
}

/** The combined verdict: a leak or regression in any service. */
export function combinedVerdict(reports: readonly Report[]): Verdict {
  return {
    leak: reports.some((r) => r.analysis.verdict.leak),
    newLeak: reports.some((r) => r.analysis.verdict.newLeak),
    regression: reports.some((r) => r.analysis.verdict.regression),
  }
}

function headline(services: readonly ServiceReport[]): string {
  const n = services.length
  const failing = services.filter((s) => fails(s.report)).length
  const flagged = services.filter((s) => rank(s) === 1).length
  const noun = (k: number): string => (k === 1 ? 'service' : 'services')
  if (failing)
    return `### ❌ ${failing} of ${n} ${noun(n)} ${failing === 1 ? 'fails' : 'fail'} the memleak check`
  if (flagged) return `### ℹ️ ${n} ${noun(n)} pass the memleak check; ${flagged} with findings below`
  return `### ✅ ${n} ${noun(n)}: no leak, no allocation regression`
}

function detailsTitle(s: ServiceReport, body: string): string {
  return escapeHtml(`${s.name}: ${headlineOf(body) || verdictWords(s.report)}`, { max: 300 })
}

function detailsBlock(title: string, body: string): string {
  return `<details><summary>${title}</summary>\n\n${body.trimEnd()}\n\n</details>\n`
}

/** The service's report without its own sticky marker (the aggregate has one). */
function reportBody(report: Report, artifactUrl: string | undefined, cap?: number): string {
  const text = renderMarkdown(report, { artifactUrl, maxChars: cap, maxBytes: cap })
  return text.replace(/^<!-- memleak-action:[^\n]*-->\n/, '')
}

export function renderAggregate(services: readonly ServiceReport[], opts: AggregateOptions): string {
  const limit = Math.min(opts.maxChars ?? MAX_COMMENT_CHARS, opts.maxBytes ?? Infinity)
  // UTF-8 bytes are never fewer than UTF-16 units: counting bytes keeps both caps.
  const encoder = new TextEncoder()
  const cost = (t: string): number => (opts.maxBytes === undefined ? t.length : encoder.encode(t).length)
  const artifactUrl = safeUrl(opts.artifactUrl)
  const sorted = [...services].sort(
    (a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, 'en', { numeric: true }),
  )
  const failOn = [...new Set(sorted.flatMap((s) => s.report.meta.failOn))]

  const table = markdownTable(
    [['Service', 'Verdict', 'Live heap / 1k requests', 'Allocated / request', 'Check'], ...sorted.map(row)],
    {
      align: ['l', 'l', 'r', 'r', 'l'],
      alignDelimiters: false,
    },
  )
  const top = [
    opts.marker,
    headline(sorted),
    '',
    `fail-on: ${failOn.map((w) => codeSpan(w, { max: 20 })).join(', ') || codeSpan('none')}` +
      (artifactUrl ? ` · profiles and JSON reports: [the run's artifacts](${artifactUrl})` : ''),
    '',
    table,
    '',
  ].join('\n')
  const footer = `<sub>${escapeMarkdown(`memleak-action ${opts.version ?? ''}`.trim(), { max: 80 })} · ${sorted.length} services</sub>\n`
  const noteRoom = 600

  // Fair shares: the shortest reports first get what they need; what they leave goes to the rest.
  const bodies = sorted.map((s) => reportBody(s.report, artifactUrl))
  // The headline survives any trimming: the title is the same at every size.
  const titles = sorted.map((s, i) => detailsTitle(s, bodies[i]))
  const full = bodies.map((body, i) => detailsBlock(titles[i], body))
  const blocks: (string | undefined)[] = [...full]
  let remaining = limit - cost(top) - cost(footer) - noteRoom
  if (full.reduce((sum, b) => sum + cost(b), 0) > remaining) {
    const order = sorted.map((_, i) => i).sort((a, b) => cost(full[a]) - cost(full[b]))
    order.forEach((i, k) => {
      const share = Math.floor(Math.max(0, remaining) / (order.length - k))
      let block: string | undefined = full[i]
      if (cost(block) > share) {
        const wrapper = cost(detailsBlock(titles[i], '')) + 8
        block =
          share - wrapper >= MIN_DETAILS
            ? detailsBlock(titles[i], reportBody(sorted[i].report, artifactUrl, share - wrapper))
            : undefined
        if (block !== undefined && cost(block) > share) block = undefined
      }
      blocks[i] = block
      remaining -= block ? cost(block) : 0
    })
  }
  const left = sorted.filter((_, i) => blocks[i] === undefined).map((s) => s.name)
  const note = left.length
    ? `> ✂️ Shortened to fit GitHub's size limit: the full report of ${left
        .slice(0, 5)
        .map((n) => codeSpan(n, { max: 60 }))
        .join(', ')}${left.length > 5 ? ` and ${left.length - 5} more` : ''} is in ${
        artifactUrl ? `[the run's artifacts](${artifactUrl})` : "the run's artifacts"
      }.\n`
    : ''
  return [top, ...blocks.filter((b): b is string => b !== undefined), note, footer].filter(Boolean).join('\n')
}
