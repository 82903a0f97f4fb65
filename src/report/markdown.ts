// The Markdown report: the PR comment and the job summary. Read top-down it
// answers, in order: is this PR safe (headline), how do base and head compare
// (summary table), where does the memory go (findings, allocators, chart), how do
// I see it myself (reproduce). When it is too long for GitHub, detail is dropped
// from the bottom up, whole sections at a time: a table or a code block is
// never cut in half.
import type { Report } from '../model/report.js'
import type { AllocatorChange, Finding } from '../model/analysis.js'
import { heapChart } from './chart.js'
import { commentMarker } from './marker.js'
import { codeBlock, codeSpan, escapeHtml, escapeMarkdown, safeUrl } from './escape.js'
import { fixedSection, renderFinding } from './findings.js'
import { formatFraction } from '../model/format.js'
import { findingOneLiner, headline, orderFindings } from './headline.js'
import { proseToMarkdown, renderContext, type RenderContext } from './inline.js'
import { pprofCommands, reproduceCommand } from './reproduce.js'
import { allocatorTable, headAllocatorTable, summaryTable } from './tables.js'
import { footer } from './footer.js'

/** GitHub refuses a comment body longer than this. */
export const MAX_COMMENT_CHARS = 65_536

export interface RenderOptions {
  /** Link to the uploaded artifact with the profiles and the JSON report. */
  artifactUrl?: string
  /** Cap on the length in UTF-16 code units (at least GitHub's count of characters). */
  maxChars?: number
  /** Cap on the UTF-8 size (the job summary's limit is 1 MiB). */
  maxBytes?: number
}

interface Detail {
  stacks: boolean
  improvements: number
  chart: boolean
  /** Findings (in order) whose evidence line is shown. */
  evidence: number
  /** Findings rendered in full; those after it get one line each. */
  fullFindings: number
  /** Findings named at all; the rest are counted. */
  listedFindings: number
  growingRows: number
  notes: boolean
  reproduce: boolean
}

const FULL: Detail = {
  stacks: true,
  improvements: 10,
  chart: true,
  evidence: Infinity,
  fullFindings: 20,
  listedFindings: 60,
  growingRows: 10,
  notes: true,
  reproduce: true,
}

/** Cumulative: stage k applies every stage before it too. */
const STAGES: { dropped: string; apply: (d: Detail) => Detail }[] = [
  { dropped: 'stacks', apply: (d) => ({ ...d, stacks: false }) },
  { dropped: 'improvements', apply: (d) => ({ ...d, improvements: 0 }) },
  { dropped: 'the heap chart', apply: (d) => ({ ...d, chart: false }) },
  { dropped: 'evidence of findings after the first', apply: (d) => ({ ...d, evidence: 1 }) },
  {
    dropped: 'allocators after the top 5',
    apply: (d) => ({ ...d, growingRows: Math.min(d.growingRows, 5) }),
  },
  {
    dropped: 'details of findings after the third',
    apply: (d) => ({ ...d, fullFindings: 3, listedFindings: 20 }),
  },
  { dropped: 'notes', apply: (d) => ({ ...d, notes: false }) },
  { dropped: 'reproduction steps', apply: (d) => ({ ...d, reproduce: false }) },
  {
    dropped: 'findings after the first, allocators after the top 3',
    apply: (d) => ({ ...d, fullFindings: 1, listedFindings: 5, growingRows: 3 }),
  },
  {
    dropped: 'the findings and the allocator table',
    apply: (d) => ({ ...d, fullFindings: 0, listedFindings: 0, growingRows: 0 }),
  },
]

type Section = string[]

function findingsSection(findings: Finding[], ctx: RenderContext, d: Detail): Section {
  const out: Section = ['#### Leak findings', '']
  if (findings.length === 0) {
    out.push(
      "None: no site's live heap, goroutine count, open files or RSS grew with the requests served.",
      '',
    )
    return out
  }
  if (d.listedFindings === 0) {
    out.push(
      escapeMarkdown(
        `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'} (left out to fit; see the JSON report).`,
      ),
      '',
    )
    return out
  }
  findings.slice(0, d.fullFindings).forEach((f, i) => {
    out.push(...renderFinding(f, ctx, { evidence: i < d.evidence, stack: d.stacks }))
  })
  const brief = findings.slice(d.fullFindings, d.listedFindings)
  if (brief.length) {
    out.push(d.fullFindings > 0 ? 'More findings:' : 'Findings:', '')
    for (const f of brief) out.push(`- ${findingOneLiner(f)}`)
    out.push('')
  }
  const rest = findings.length - Math.max(d.fullFindings, d.listedFindings)
  if (rest > 0) out.push(escapeMarkdown(`…and ${rest} more in the JSON report.`), '')
  return out
}

function allocatorsSection(ctx: RenderContext, d: Detail): Section {
  const { analysis, meta } = ctx.report
  if (!analysis.base) {
    const top = analysis.topAllocators ?? []
    if (top.length === 0 || d.growingRows === 0) return []
    return [
      '#### Top allocators',
      '',
      headAllocatorTable(top.slice(0, d.growingRows), ctx),
      '',
      'Bytes and objects allocated per request on head, median over snapshot windows (no base to compare with).',
      '',
    ]
  }
  const out: Section = ['#### Top growing allocators', '']
  const growing = analysis.growing
  // Only changes beyond noise stand in the table; the rest are a folded count.
  const [clear, unclear] = partition(growing, (c) => c.significant)
  if (growing.length === 0) {
    out.push('No allocation site grew between base and head.', '')
  } else if (d.growingRows === 0) {
    out.push(escapeMarkdown(`${growing.length} growing sites (left out to fit; see the JSON report).`), '')
  } else {
    const threshold = formatFraction(meta.regressionThreshold)
    const tail = `Bytes allocated per request, median over snapshot windows; significant = Mann-Whitney U after Holm correction, and counted as a regression past ${threshold}.`
    if (clear.length) {
      out.push(allocatorTable(clear.slice(0, d.growingRows), ctx), '')
      const more = clear.length - d.growingRows
      out.push(
        escapeMarkdown(more > 0 ? `${more} more significant sites in the JSON report. ${tail}` : tail),
        '',
      )
    } else {
      out.push('No allocation site grew significantly.', '')
    }
    if (unclear.length && d.improvements > 0) {
      out.push(
        ...folded(
          `${unclear.length} more ${unclear.length === 1 ? 'site' : 'sites'} grew, not significantly`,
          unclear.slice(0, d.growingRows),
          ctx,
        ),
      )
    } else if (unclear.length) {
      out.push(
        escapeMarkdown(`${unclear.length} more sites grew, not significantly (see the JSON report).`),
        '',
      )
    }
  }
  if (d.improvements > 0 && analysis.improved.length > 0) {
    const [better, noise] = partition(analysis.improved, (c) => c.significant)
    const shown = better.slice(0, d.improvements)
    const title = better.length
      ? `Improvements (${shown.length} of ${better.length} significant${noise.length ? `; ${noise.length} more not significant` : ''})`
      : `${noise.length} ${noise.length === 1 ? 'site allocates' : 'sites allocate'} less, not significantly`
    out.push(...folded(title, better.length ? shown : noise.slice(0, d.improvements), ctx))
  }
  return out
}

function partition<T>(items: readonly T[], keep: (item: T) => boolean): [T[], T[]] {
  return [items.filter(keep), items.filter((i) => !keep(i))]
}

function folded(title: string, rows: readonly AllocatorChange[], ctx: RenderContext): Section {
  return [
    `<details><summary>${escapeHtml(title, { max: 200 })}</summary>`,
    '',
    allocatorTable(rows, ctx),
    '',
    '</details>',
    '',
  ]
}

function chartSection(ctx: RenderContext, d: Detail): Section {
  const { analysis } = ctx.report
  const chart = heapChart(analysis.head, analysis.base)
  if (!chart) return []
  const out: Section = ['#### Live heap over the run', '']
  // The chart's source already lists its numbers for a reader without Mermaid (an
  // e-mail notification); the text line stands in only where no chart is drawn.
  if (d.chart && chart.mermaid) out.push(chart.mermaid, '')
  else out.push(escapeMarkdown(chart.text, { max: 2000 }), '')
  return out
}

function reproduceSection(ctx: RenderContext, artifactUrl: string | undefined): Section {
  const out: Section = ['<details><summary>Reproduce locally</summary>', '']
  out.push('Run the same measurement on your machine (Go and Node 20+):', '')
  out.push(codeBlock(reproduceCommand(ctx.report.meta).join('\n'), 'sh'), '')
  const artifact = artifactUrl ? `[the artifact of this run](${artifactUrl})` : 'the artifact of this run'
  out.push(
    `Or compare the heap profiles from ${artifact} (${codeSpan('base.pb.gz')}, ${codeSpan('head.pb.gz')}):`,
    '',
  )
  out.push(codeBlock(pprofCommands().join('\n'), 'sh'), '', '</details>', '')
  return out
}

function notesSection(ctx: RenderContext): Section {
  const notes = ctx.report.analysis.notes
  if (notes.length === 0) return []
  return ['#### Notes', '', ...notes.slice(0, 20).map((n) => `- ${proseToMarkdown(n, 600)}`), '']
}

function render(ctx: RenderContext, d: Detail, artifactUrl: string | undefined, dropped: string[]): string {
  const { analysis } = ctx.report
  const sections: Section[] = [
    [commentMarker(ctx.report.meta.commentId)],
    [...headline(ctx), ''],
    [analysis.base ? '#### Base vs head' : '#### Head', '', summaryTable(analysis.head, analysis.base), ''],
    findingsSection(orderFindings(analysis.findings), ctx, d),
    fixedSection(analysis.fixed ?? []),
    allocatorsSection(ctx, d),
    chartSection(ctx, d),
    d.reproduce ? reproduceSection(ctx, artifactUrl) : [],
    d.notes ? notesSection(ctx) : [],
  ]
  if (dropped.length) sections.push([trimNote(dropped, artifactUrl), ''])
  sections.push([footer(ctx)])
  return sections.flat().join('\n') + '\n'
}

function trimNote(dropped: string[], artifactUrl: string | undefined): string {
  const where = artifactUrl
    ? `the JSON report in [the artifact](${artifactUrl})`
    : 'the JSON report (the `report` output)'
  return `> ✂️ Shortened to fit GitHub's size limit. Left out: ${dropped.join('; ')}. Everything is in ${where}.`
}

/** The report as Markdown, at most maxChars long (and maxBytes in UTF-8 when given). */
export function renderMarkdown(report: Report, opts: RenderOptions = {}): string {
  const maxChars = opts.maxChars ?? MAX_COMMENT_CHARS
  const fits = (text: string): boolean =>
    text.length <= maxChars &&
    (opts.maxBytes === undefined || new TextEncoder().encode(text).length <= opts.maxBytes)
  const ctx = renderContext(report)
  const artifactUrl = safeUrl(opts.artifactUrl)

  let detail = FULL
  let text = render(ctx, detail, artifactUrl, [])
  if (fits(text)) return text
  const dropped: string[] = []
  for (const stage of STAGES) {
    detail = stage.apply(detail)
    dropped.push(stage.dropped)
    text = render(ctx, detail, artifactUrl, dropped)
    if (fits(text)) return text
  }
  // Still too long (a tiny cap): whole lines from the top, never inside a block.
  return cutAtBlockBoundary(text, fits)
}

/** The longest prefix of whole top-level paragraphs that fits; ends outside any fence or table. */
function cutAtBlockBoundary(text: string, fits: (t: string) => boolean): string {
  const blocks = text.split(/\n\n/)
  let out = ''
  for (const block of blocks) {
    const next = out ? `${out}\n\n${block}` : block
    if (!fits(next + '\n')) break
    out = next
  }
  return out ? out + '\n' : ''
}
