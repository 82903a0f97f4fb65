// Pull request review comments on the lines that leak, kept in step with every
// push. Each finding this PR added gets one comment, found again by its hidden
// marker on the next run: edited while the finding is there, turned into
// "fixed" (and its thread resolved where the token may) once a push fixes it.
// All of a run's new line comments go in one review, so the PR gets one
// notification. A line outside the diff gets a file-level comment, a file
// outside the PR none (GitHub answers 422 for both; a 422 falls back, never
// fails). A token that may not write is an outcome, reported, never thrown.
import type { Octokit } from '@octokit/core'
import type { Analysis, Finding } from '../model/analysis.js'
import { isLeak, orderFindings } from '../report/headline.js'
import {
  isFixedReviewComment,
  markerOf,
  renderFixedReviewComment,
  renderReviewBody,
  renderReviewComment,
  reviewMarker,
} from '../report/review-comment.js'
import { frameLocation, type PathMapping } from './annotations.js'
import { nextLink, readOnlyResult, type ReadOnlyResult } from './comment.js'
import { rightSideLines } from './patch.js'
import { resolveThreads, type ReviewTarget } from './review-threads.js'

export type { ReviewTarget }

/** At most this many comments created or updated a run: the most harmful findings first. */
export const MAX_REVIEW_COMMENTS = 10
/** GitHub lists at most 3000 files of a pull request. */
const MAX_FILE_PAGES = 30
const MAX_COMMENT_PAGES = 100

export interface ReviewCandidate {
  /** The comment's hidden first line: comment id, kind, site. */
  marker: string
  finding: Finding
  /** Repository-relative, checked as untrusted input (it may come from an artifact). */
  path: string
  line: number
}

export interface ReviewPlan {
  /** The sticky comment's id: it scopes the markers, so a matrix keeps its comments apart. */
  commentId: string
  /** Leaks this PR added or made worse, at a line of the repository, most harmful first (not capped). */
  candidates: ReviewCandidate[]
  /** Markers of every finding head still has, whatever its status: their comments are not "fixed". */
  present: string[]
}

/**
 * A path GitHub can take as a file of the pull request: relative, forward
 * slashes, no `.` or `..` segment, no control character. The report of a
 * fork's run is the PR's own output, so its paths are checked before use.
 */
export function isSafeRepoPath(path: string): boolean {
  if (typeof path !== 'string' || path.length === 0 || path.length > 1024) return false
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path) || path.startsWith('/') || /^[A-Za-z]:/.test(path)) return false
  return path.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..')
}

/**
 * What to comment on: the new, worse and unmeasured-base leaks of each analysis
 * at their own-code line (where the annotations go too). Pre-existing leaks
 * are not this PR's doing and get none; a clean analysis has no candidates.
 */
export function reviewPlan(
  sources: readonly { analysis: Analysis; mapping: PathMapping }[],
  commentId: string,
): ReviewPlan {
  const candidates: ReviewCandidate[] = []
  const present = new Set<string>()
  const seen = new Set<string>()
  for (const { analysis, mapping } of sources) {
    for (const finding of orderFindings(analysis.findings)) {
      const marker = reviewMarker(commentId, finding)
      present.add(marker)
      if (!isLeak(finding) || finding.status === 'pre-existing' || seen.has(marker)) continue
      const at = frameLocation(finding.site.ownFrame, mapping)
      if (!at || !isSafeRepoPath(at.path) || !Number.isSafeInteger(at.line) || at.line < 1) continue
      seen.add(marker)
      candidates.push({ marker, finding, ...at })
    }
  }
  // Across several reports (aggregate), the most harmful first again.
  const order = orderFindings(candidates.map((c) => c.finding))
  candidates.sort((a, b) => order.indexOf(a.finding) - order.indexOf(b.finding))
  return { commentId, candidates, present: [...present] }
}

export interface ReviewLog {
  info(line: string): void
}

export interface ReviewCounts {
  action: 'done'
  /** Line comments created (in the one review, or one by one after a 422). */
  created: number
  /** File-level comments created (the line is outside the diff). */
  fileLevel: number
  updated: number
  unchanged: number
  fixed: number
  resolved: number
  /** Candidates left without a comment: the file is not in the PR, or GitHub refused both forms. */
  skipped: number
}

export type ReviewOutcome = ReviewCounts | ReadOnlyResult

interface PullFile {
  filename: string
  status?: string
  patch?: string
}

interface ReviewComment {
  id: number
  node_id?: string
  body?: string | null
  path?: string
  line?: number | null
  subject_type?: string | null
  in_reply_to_id?: number | null
  user?: { login?: string } | null
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

/** One line: GraphQL errors come as a list. */
function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim()
}

/** Every page of a list endpoint, following GitHub's Link header. */
async function listAll<T>(
  octokit: Octokit,
  route: string,
  params: Record<string, unknown>,
  maxPages: number,
): Promise<T[]> {
  const out: T[] = []
  for (let page = 1; page <= maxPages; page++) {
    const res = await octokit.request(route, { ...params, per_page: 100, page })
    const items = res.data as T[]
    out.push(...items)
    if (items.length === 0 || !nextLink(res.headers.link)) break
  }
  return out
}

/** The PR's files: for each, the head-side lines its hunks show (undefined: no patch, e.g. too large). */
async function diffLines(octokit: Octokit, t: ReviewTarget): Promise<Map<string, Set<number> | undefined>> {
  const files = await listAll<PullFile>(
    octokit,
    'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
    pullOf(t),
    MAX_FILE_PAGES,
  )
  const out = new Map<string, Set<number> | undefined>()
  // A removed file has no head side to comment on.
  for (const f of files)
    if (f.status !== 'removed') out.set(f.filename, f.patch ? rightSideLines(f.patch) : undefined)
  return out
}

/** Our earlier top-level comments by marker, oldest first (a reply quoting a marker is not ours). */
async function ourComments(
  octokit: Octokit,
  t: ReviewTarget,
  commentId: string,
): Promise<Map<string, ReviewComment>> {
  const all = await listAll<ReviewComment>(
    octokit,
    'GET /repos/{owner}/{repo}/pulls/{pull_number}/comments',
    { ...pullOf(t), sort: 'created', direction: 'asc' },
    MAX_COMMENT_PAGES,
  )
  const ours = new Map<string, ReviewComment>()
  for (const c of all) {
    if (c.in_reply_to_id || (t.author && c.user?.login !== t.author)) continue
    const marker = markerOf(c.body ?? '', commentId)
    if (marker && !ours.has(marker)) ours.set(marker, c)
  }
  return ours
}

/** The route parameters naming the pull request. */
function pullOf(t: ReviewTarget): { owner: string; repo: string; pull_number: number } {
  return { owner: t.owner, repo: t.repo, pull_number: t.pullNumber }
}

async function editComment(octokit: Octokit, t: ReviewTarget, id: number, body: string): Promise<void> {
  await octokit.request('PATCH /repos/{owner}/{repo}/pulls/comments/{comment_id}', {
    owner: t.owner,
    repo: t.repo,
    comment_id: id,
    body,
  })
}

interface NewComment {
  candidate: ReviewCandidate
  /** Rendered for the line and for the file-level fallback. */
  lineBody: string
  fileBody: string
}

/**
 * One comment outside a review: on its line, or on the file (the line is outside
 * the diff); false when GitHub refuses it (422).
 */
async function postComment(
  octokit: Octokit,
  t: ReviewTarget,
  c: NewComment,
  on: 'line' | 'file',
): Promise<boolean> {
  const where =
    on === 'line'
      ? { line: c.candidate.line, side: 'RIGHT' as const, body: c.lineBody }
      : { subject_type: 'file' as const, body: c.fileBody }
  try {
    await octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/comments', {
      ...pullOf(t),
      commit_id: t.headSha,
      path: c.candidate.path,
      ...where,
    })
    return true
  } catch (error) {
    if (statusOf(error) === 422) return false
    throw error
  }
}

/**
 * The line comments as one review. GitHub takes a review all or nothing, and its
 * 422 does not say which comment it refused: then each goes alone, and one it
 * refuses again goes on the file instead.
 */
async function postLineComments(
  octokit: Octokit,
  t: ReviewTarget,
  comments: NewComment[],
  log: ReviewLog,
): Promise<{ created: number; fileLevel: number; skipped: number }> {
  const counts = { created: 0, fileLevel: 0, skipped: 0 }
  if (comments.length === 0) return counts
  try {
    await octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', {
      ...pullOf(t),
      commit_id: t.headSha,
      event: 'COMMENT',
      body: renderReviewBody(comments.length, t.reportUrl),
      comments: comments.map((c) => ({
        path: c.candidate.path,
        line: c.candidate.line,
        side: 'RIGHT',
        body: c.lineBody,
      })),
    })
    counts.created = comments.length
    return counts
  } catch (error) {
    if (statusOf(error) !== 422) throw error
    log.info(`GitHub refused the review (422: ${messageOf(error)}); posting its comments one by one.`)
  }
  for (const c of comments) {
    if (await postComment(octokit, t, c, 'line')) counts.created++
    else if (await postComment(octokit, t, c, 'file')) counts.fileLevel++
    else counts.skipped++
  }
  return counts
}

/**
 * Edits our comments whose finding is gone into their "fixed" form; returns the
 * count, and the node ids of those comments, whose threads are to be resolved.
 */
async function markFixed(
  octokit: Octokit,
  target: ReviewTarget,
  ours: ReadonlyMap<string, ReviewComment>,
  present: readonly string[],
): Promise<{ count: number; nodes: Set<string> }> {
  const stillFound = new Set(present)
  const fixedNodes = new Set<string>()
  let count = 0
  for (const [marker, comment] of ours) {
    const body = comment.body ?? ''
    if (stillFound.has(marker) || isFixedReviewComment(body)) continue
    await editComment(
      octokit,
      target,
      comment.id,
      renderFixedReviewComment({
        marker,
        headSha: target.headSha,
        previous: body,
        reportUrl: target.reportUrl,
      }),
    )
    count++
    if (comment.node_id) fixedNodes.add(comment.node_id)
  }
  return { count, nodes: fixedNodes }
}

/** Brings the PR's review comments in step with this run's findings. */
export async function syncReviewComments(
  octokit: Octokit,
  target: ReviewTarget,
  plan: ReviewPlan,
  log: ReviewLog,
): Promise<ReviewOutcome> {
  const counts: ReviewCounts = {
    action: 'done',
    created: 0,
    fileLevel: 0,
    updated: 0,
    unchanged: 0,
    fixed: 0,
    resolved: 0,
    skipped: 0,
  }
  try {
    const chosen = plan.candidates.slice(0, target.max ?? MAX_REVIEW_COMMENTS)
    const ours = await ourComments(octokit, target, plan.commentId)
    // The diff matters only to comments not yet posted (a clean PR's run lists no files).
    const lines = chosen.some((c) => !ours.has(c.marker))
      ? await diffLines(octokit, target)
      : new Map<string, Set<number> | undefined>()
    const reportUrl = target.reportUrl

    const forLine: NewComment[] = []
    const forFile: NewComment[] = []
    for (const candidate of chosen) {
      const { finding, marker, path, line } = candidate
      const existing = ours.get(marker)
      if (existing) {
        const fileLevel = existing.subject_type === 'file'
        const moved = !fileLevel && (existing.path !== path || existing.line !== line)
        const body = renderReviewComment(finding, { marker, path, line, fileLevel, moved, reportUrl })
        if (body === existing.body) counts.unchanged++
        else {
          await editComment(octokit, target, existing.id, body)
          counts.updated++
        }
        continue
      }
      if (!lines.has(path)) {
        // The PR made an old path hot: the sticky comment explains it.
        counts.skipped++
        log.info(`No review comment for ${path}:${line}: the file is not part of this pull request.`)
        continue
      }
      const comment: NewComment = {
        candidate,
        lineBody: renderReviewComment(finding, { marker, path, line, reportUrl }),
        fileBody: renderReviewComment(finding, { marker, path, line, fileLevel: true, reportUrl }),
      }
      if (lines.get(path)?.has(line)) forLine.push(comment)
      else forFile.push(comment)
    }

    const posted = await postLineComments(octokit, target, forLine, log)
    counts.created += posted.created
    counts.fileLevel += posted.fileLevel
    counts.skipped += posted.skipped
    for (const c of forFile) {
      if (await postComment(octokit, target, c, 'file')) counts.fileLevel++
      else counts.skipped++
    }

    const fixed = await markFixed(octokit, target, ours, plan.present)
    counts.fixed = fixed.count
    counts.resolved = await resolveThreads(octokit, target, fixed.nodes, (error) =>
      log.info(
        `Could not resolve the fixed review threads (${messageOf(error)}); the edit says they are fixed.`,
      ),
    )
    return counts
  } catch (error) {
    const ro = readOnlyResult(error)
    if (ro) return ro
    throw error
  }
}
