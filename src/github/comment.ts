// The sticky PR comment: one per marker, found across every page of the PR's
// comments, updated in place, created only when absent. A token that may not
// write (a fork's PR) is an expected outcome, reported, never thrown.
import type { Octokit } from '@octokit/core'

/** GitHub refuses longer comment bodies (it counts characters). */
export const MAX_COMMENT_BODY = 65_536
const PER_PAGE = 100
/** 10,000 comments: beyond that the PR is not one a bot should be adding to. */
const MAX_PAGES = 100

export interface CommentTarget {
  owner: string
  repo: string
  issueNumber: number
}

export interface UpsertCommentInput extends CommentTarget {
  /** The hidden first line, e.g. `<!-- memleak-action:api -->`; the body must start with it. */
  marker: string
  body: string
  /** Only comments by this login count as ours (e.g. github-actions[bot]); any author when absent. */
  author?: string
}

/** Why nothing was written: the token may not (a fork's PR, missing `pull-requests: write`). */
export interface ReadOnlyResult {
  action: 'read-only'
  status: number
  message: string
}

export type UpsertResult = { action: 'created' | 'updated'; id: number; url: string } | ReadOnlyResult
export type DeleteResult = { action: 'deleted'; id: number } | { action: 'absent' } | ReadOnlyResult

interface IssueComment {
  id: number
  body?: string | null
  html_url: string
  user?: { login?: string } | null
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status
  return typeof status === 'number' ? status : undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/**
 * A refusal that means "this token may not do that": 403 (Resource not accessible
 * by integration) other than a rate limit, or 404 (GitHub hides what a token cannot see).
 */
export function readOnlyResult(error: unknown): ReadOnlyResult | undefined {
  const status = statusOf(error)
  const message = messageOf(error)
  if (status === 403 && !/rate limit/i.test(message)) return { action: 'read-only', status, message }
  if (status === 404) return { action: 'read-only', status, message }
  return undefined
}

/** Parses `<url>; rel="next"` out of a Link header. */
export function nextLink(link: string | undefined): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part)
    if (m) return m[1]
  }
  return undefined
}

/** The first comment (oldest) whose body starts with the marker, searching every page. */
export async function findComment(
  octokit: Octokit,
  input: CommentTarget & { marker: string; author?: string },
): Promise<IssueComment | undefined> {
  const { owner, repo, issueNumber, marker, author } = input
  if (!marker.trim()) throw new Error('comment marker: empty; it is what finds our comment again')
  for (let page = 1; page <= MAX_PAGES; page++) {
    const res = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner,
      repo,
      issue_number: issueNumber,
      per_page: PER_PAGE,
      page,
    })
    const comments = res.data as IssueComment[]
    // A quote of our marker further down someone's comment must not hijack the sticky one.
    const ours = comments.find(
      (c) => (c.body ?? '').startsWith(marker) && (!author || c.user?.login === author),
    )
    if (ours) return ours
    if (!nextLink(res.headers.link) || comments.length === 0) return undefined
  }
  return undefined
}

/** Updates our comment if it exists, creates it otherwise. */
export async function upsertComment(octokit: Octokit, input: UpsertCommentInput): Promise<UpsertResult> {
  const { owner, repo, issueNumber, marker, body } = input
  if (!body.startsWith(marker))
    throw new Error('comment body: must start with its marker, or the next run will not find it')
  if (Array.from(body).length > MAX_COMMENT_BODY) {
    throw new Error(
      `comment body: ${Array.from(body).length} characters, GitHub takes at most ${MAX_COMMENT_BODY}; render it with a cap`,
    )
  }
  let existing: IssueComment | undefined
  try {
    existing = await findComment(octokit, input)
  } catch (error) {
    const ro = readOnlyResult(error)
    if (ro) return ro
    throw error
  }
  try {
    if (existing) {
      try {
        const res = await octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
          owner,
          repo,
          comment_id: existing.id,
          body,
        })
        return { action: 'updated', id: Number(res.data.id), url: res.data.html_url }
      } catch (error) {
        // Deleted between the search and the update: fall through and create it again.
        if (statusOf(error) !== 404) throw error
      }
    }
    const res = await octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner,
      repo,
      issue_number: issueNumber,
      body,
    })
    return { action: 'created', id: Number(res.data.id), url: res.data.html_url }
  } catch (error) {
    const ro = readOnlyResult(error)
    if (ro) return ro
    throw error
  }
}

/** Deletes our comment (the "clean, say nothing" mode); absent is not an error. */
export async function deleteComment(
  octokit: Octokit,
  input: CommentTarget & { marker: string; author?: string },
): Promise<DeleteResult> {
  try {
    const existing = await findComment(octokit, input)
    if (!existing) return { action: 'absent' }
    try {
      await octokit.request('DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner: input.owner,
        repo: input.repo,
        comment_id: existing.id,
      })
    } catch (error) {
      // Someone deleted it first: the outcome is the one asked for.
      if (statusOf(error) === 404) return { action: 'absent' }
      throw error
    }
    return { action: 'deleted', id: existing.id }
  } catch (error) {
    const ro = readOnlyResult(error)
    if (ro) return ro
    throw error
  }
}
