// The text of a pull request review comment: one finding, on the line that leaks.
// A reviewer meets it in the diff, so it says what grows and how fast, what to
// change, and where the whole report is; the hidden first line lets the next run
// find it again (this job's comment id, the cause's kind, and its site).
import { createHash } from 'node:crypto'
import type { Finding } from '../model/analysis.js'
import { codeSpan, escapeMarkdown, safeUrl } from './escape.js'
import { formatQuantity, shortSha } from '../model/format.js'
import { KIND_LABEL } from '../model/finding-kinds.js'
import { findingNumber } from './headline.js'
import { proseToMarkdown } from './inline.js'
import { safeCommentId } from './marker.js'

/** GitHub refuses longer comment bodies. */
const MAX_BODY = 65_536
const FIXED = '✅ fixed in'

/** The start of every review comment marker of this job (its sticky comment id). */
export function reviewMarkerPrefix(commentId: string): string {
  return `<!-- memleak-action-review:${safeCommentId(commentId)} `
}

/**
 * The hidden first line of a finding's review comment. The site key is made of
 * function names only, so the marker survives the line moving; it is hashed so
 * a long Go symbol cannot make the line unwieldy.
 */
export function reviewMarker(commentId: string, finding: Pick<Finding, 'kind' | 'site'>): string {
  const site = createHash('sha256').update(finding.site.key).digest('hex').slice(0, 12)
  return `${reviewMarkerPrefix(commentId)}${finding.kind} ${site} -->`
}

/** The marker line of a body written by reviewMarker, when it starts with this job's prefix. */
export function markerOf(body: string, commentId: string): string | undefined {
  const first = body.split('\n', 1)[0]
  const prefix = reviewMarkerPrefix(commentId)
  return first.startsWith(prefix) && /^[a-z-]+ [0-9a-f]{12} -->$/.test(first.slice(prefix.length))
    ? first
    : undefined
}

export function isFixedReviewComment(body: string): boolean {
  return body.split('\n', 3)[1]?.startsWith(FIXED) ?? false
}

function titleOf(f: Finding): string {
  const label = KIND_LABEL[f.kind]
  if (f.kind === 'crash') return `❌ Crash under load: ${findingNumber(f)}`
  const prefix =
    f.status === 'new'
      ? `New ${label}`
      : f.status === 'worsened'
        ? `Worse ${label} (at least twice base's rate)`
        : `${label.charAt(0).toUpperCase()}${label.slice(1)}`
  return `❌ ${escapeMarkdown(prefix)}: ${findingNumber(f)}`
}

function footer(reportUrl: string | undefined): string {
  const url = safeUrl(reportUrl)
  return url ? `<sub>memleak-action · [the full report](${url})</sub>` : '<sub>memleak-action</sub>'
}

export interface ReviewCommentText {
  marker: string
  /** Where the finding is now (repository-relative). */
  path: string
  line: number
  /** The comment sits on the file, not on the line (the line is outside the PR's diff). */
  fileLevel?: boolean
  /** The comment already sits elsewhere (an earlier run's line): say where the finding is now. */
  moved?: boolean
  /** The sticky comment (or the run) with the whole report. */
  reportUrl?: string
}

function clip(body: string): string {
  const chars = Array.from(body)
  return chars.length > MAX_BODY ? chars.slice(0, MAX_BODY - 1).join('') + '…' : body
}

/** The body of a finding's review comment: the marker, one-line summary with the rate, the fix, the link. */
export function renderReviewComment(f: Finding, text: ReviewCommentText): string {
  const at = codeSpan(`${text.path}:${text.line}`, { max: 200 })
  const lines = [text.marker, `**${titleOf(f)}**`, '']
  if (text.fileLevel) lines.push(`At ${at}, a line outside this pull request's diff.`, '')
  else if (text.moved) lines.push(`Now at ${at}.`, '')
  if (f.kind !== 'crash' && f.summary) lines.push(proseToMarkdown(f.summary, 600), '')
  if (f.kind !== 'crash')
    lines.push(`Growth over the run: ${escapeMarkdown(formatQuantity(f.growth, f.unit))}.`, '')
  if (f.hint) lines.push(`**Fix:** ${proseToMarkdown(f.hint, 1500)}`, '')
  lines.push(footer(text.reportUrl))
  return clip(lines.join('\n'))
}

/**
 * The body once a push fixed the finding: the marker stays (the comment is still
 * ours and is not reused for a new one), the old text goes under a fold.
 */
export function renderFixedReviewComment(input: {
  marker: string
  headSha: string
  previous: string
  reportUrl?: string
}): string {
  const sha = shortSha(input.headSha) ?? 'head'
  const before = input.previous
    .split('\n')
    .slice(1)
    .filter((l) => !l.startsWith('<sub>memleak-action'))
    .join('\n')
    .trim()
  const lines = [
    input.marker,
    `${FIXED} ${codeSpan(sha)}: this run measured head and no longer finds it.`,
    '',
  ]
  if (before) lines.push('<details><summary>What was reported</summary>', '', before, '', '</details>', '')
  lines.push(footer(input.reportUrl))
  return clip(lines.join('\n'))
}

/** The review's own text: GitHub requires one for a COMMENT review. */
export function renderReviewBody(count: number, reportUrl: string | undefined): string {
  const url = safeUrl(reportUrl)
  const what = count === 1 ? 'a leak on a line' : `${count} leaks on lines`
  return `memleak-action found ${what} this pull request changes.${url ? ` [The full report](${url}).` : ''}`
}
