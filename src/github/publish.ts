// The action's edge, shared by every mode: job summary, annotations, sticky
// comment, check run, outputs, and the step's verdict. Publishing never changes
// the verdict: a token that cannot write (a fork's PR, no `checks: write`)
// degrades to the job summary with a warning; the exit status is the same.
import type { Verdict } from '../model/analysis.js'
import type { Annotation } from './annotations.js'
import { createCheckRun } from './check-run.js'
import { deleteComment, MAX_COMMENT_BODY, upsertComment } from './comment.js'
import type { GitHubClient } from './octokit.js'
import { syncReviewComments, type ReviewPlan } from './review-comments.js'
import { appendJobSummary, emitAnnotations, outputsFor, setOutputs } from './job-summary.js'
import { headlineOf } from '../report/plain-text.js'
import { MAX_CHECK_SUMMARY } from './check-run.js'
import type { ActionsIO } from './actions-io.js'

/** Step annotations GitHub shows per step and level; more go to the check run only. */
const STEP_ANNOTATIONS = 10
const CHECK_ANNOTATIONS = 50

/** What to publish: one report, or the aggregate of several. */
export interface Publication {
  /** The Markdown (comment, summary, check run), within the caps given. */
  render(caps: { maxChars: number; maxBytes?: number }): string
  verdict: Verdict
  /** Why the step fails under this job's fail-on; empty when it passes. */
  failures: string[]
  /** The comment's hidden first line; every rendering starts with it. */
  marker: string
  /** At the PR's lines, best first. */
  annotations: Annotation[]
  /** What the review comments say (findings at their lines); none when absent. */
  reviews?: ReviewPlan
  /** The `report` output. */
  reportPath: string
  /** The `artifact-dir` output (modes that measure). */
  artifactDir?: string
}

/** Where it goes. */
export interface PublishTarget {
  /** Undefined: no GitHub API at all (analyze mode, or no token). */
  api?: { octokit: GitHubClient; owner: string; repo: string }
  /** Why there is no API, said once when a comment or a check run was wanted. */
  noApiReason?: string
  pullRequest?: number
  /** The commit a check run belongs to: the PR's head. */
  headSha?: string
  comment: boolean
  deleteCommentWhenClean: boolean
  commentAuthor?: string
  /** Review comments on the PR's lines (the `review-comments` input). */
  reviewComments: boolean
  checkName?: string
  /** The check run's details link: the run with the profiles. */
  detailsUrl?: string
  /** Emit the annotations as workflow commands (only where this step measured: they belong to its run). */
  stepAnnotations: boolean
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function isClean(v: Verdict): boolean {
  return !v.leak && !v.newLeak && !v.regression
}

/** What became of the sticky comment: its URL, or that the token may not write (already warned). */
interface CommentOutcome {
  url?: string
  readOnly?: boolean
}

function readOnlyWarning(status: number, io: ActionsIO): void {
  io.warning(
    `The token cannot write to this pull request (HTTP ${status}; a fork's PR gets a read-only token). ` +
      'The report is in the job summary; for comments on forks, see docs/fork-safe.md in memleak-action.',
  )
}

async function publishComment(
  pub: Publication,
  target: PublishTarget,
  io: ActionsIO,
): Promise<CommentOutcome> {
  if (!target.comment) return {}
  if (target.pullRequest === undefined) {
    io.info('No pull request to comment on; the report is in the job summary.')
    return {}
  }
  if (!target.api) {
    io.warning(
      `${target.noApiReason ?? 'No GitHub API'}: the comment was not posted; the report is in the job summary.`,
    )
    return {}
  }
  const { octokit, owner, repo } = target.api
  const where = {
    owner,
    repo,
    issueNumber: target.pullRequest,
    marker: pub.marker,
    author: target.commentAuthor,
  }
  if (target.deleteCommentWhenClean && isClean(pub.verdict)) {
    const outcome = await deleteComment(octokit, where)
    if (outcome.action === 'read-only') {
      readOnlyWarning(outcome.status, io)
      return { readOnly: true }
    }
    if (outcome.action === 'deleted')
      io.info(`Clean: deleted the comment ${outcome.id} (delete-comment-when-clean).`)
    else io.info('Clean: no comment to delete (delete-comment-when-clean).')
    return {}
  }
  const outcome = await upsertComment(octokit, { ...where, body: pub.render({ maxChars: MAX_COMMENT_BODY }) })
  if (outcome.action === 'read-only') {
    readOnlyWarning(outcome.status, io)
    return { readOnly: true }
  }
  io.info(`Comment ${outcome.action}: ${outcome.url}`)
  return { url: outcome.url }
}

/**
 * Review comments on the PR's lines, after the sticky comment so they can link
 * it. A token the sticky comment found read-only was warned about once already.
 */
async function publishReviews(
  pub: Publication,
  target: PublishTarget,
  sticky: CommentOutcome,
  io: ActionsIO,
): Promise<void> {
  if (!target.reviewComments || !pub.reviews || target.pullRequest === undefined || sticky.readOnly) return
  if (!target.api) {
    // Said once: the comment's own warning already named the reason.
    if (!target.comment)
      io.warning(`${target.noApiReason ?? 'No GitHub API'}: no review comments were posted.`)
    return
  }
  if (!target.headSha) {
    io.warning('review-comments: no head commit known for this run, so no review comments were posted.')
    return
  }
  const outcome = await syncReviewComments(
    target.api.octokit,
    {
      owner: target.api.owner,
      repo: target.api.repo,
      pullNumber: target.pullRequest,
      headSha: target.headSha,
      author: target.commentAuthor,
      reportUrl: sticky.url ?? target.detailsUrl,
    },
    pub.reviews,
    { info: (line) => io.info(line) },
  )
  if (outcome.action === 'read-only') {
    io.warning(
      `The token cannot write review comments (HTTP ${outcome.status}; a fork's PR gets a read-only token). ` +
        'The findings are in the comment and the job summary.',
    )
    return
  }
  const { created, fileLevel, updated, unchanged, fixed, resolved, skipped } = outcome
  io.info(
    `Review comments: ${created} on lines, ${fileLevel} on files, ${updated} updated, ${unchanged} unchanged, ` +
      `${fixed} marked fixed (${resolved} threads resolved), ${skipped} skipped (file not in the PR, or refused).`,
  )
}

async function publishCheckRun(
  pub: Publication,
  target: PublishTarget,
  io: ActionsIO,
): Promise<string | undefined> {
  if (!target.checkName) return undefined
  if (!target.api) {
    io.warning(`${target.noApiReason ?? 'No GitHub API'}: no check run was created.`)
    return undefined
  }
  if (!target.headSha) {
    io.warning('check-name: no head commit known for this run, so no check run was created.')
    return undefined
  }
  const summary = pub.render({ maxChars: MAX_CHECK_SUMMARY })
  const outcome = await createCheckRun(target.api.octokit, {
    owner: target.api.owner,
    repo: target.api.repo,
    name: target.checkName,
    headSha: target.headSha,
    conclusion: pub.failures.length ? 'failure' : 'success',
    title: headlineOf(summary) || target.checkName,
    summary,
    annotations: pub.annotations.slice(0, CHECK_ANNOTATIONS),
    detailsUrl: target.detailsUrl,
  })
  if (outcome.action === 'read-only') {
    io.warning(
      `The token cannot create the check run "${target.checkName}" (HTTP ${outcome.status}): grant \`checks: write\` in the workflow's permissions. The verdict stands.`,
    )
    return undefined
  }
  io.info(
    `Check run "${target.checkName}" created with ${outcome.annotations} annotations: ${outcome.url ?? outcome.id}`,
  )
  return outcome.url
}

/** Publishes everywhere it can; what it says goes to `io`, and so does the step's failure. */
export async function publish(pub: Publication, target: PublishTarget, io: ActionsIO): Promise<void> {
  await appendJobSummary((budget) => pub.render({ maxChars: budget, maxBytes: budget }))
  if (target.stepAnnotations) emitAnnotations(pub.annotations.slice(0, STEP_ANNOTATIONS), io)
  let sticky: CommentOutcome = {}
  let checkRunUrl: string | undefined
  try {
    sticky = await publishComment(pub, target, io)
  } catch (error) {
    // The verdict stands whatever happened to the comment.
    io.warning(`Could not post the comment: ${message(error)}`)
  }
  try {
    await publishReviews(pub, target, sticky, io)
  } catch (error) {
    io.warning(`Could not post the review comments: ${message(error)}`)
  }
  try {
    checkRunUrl = await publishCheckRun(pub, target, io)
  } catch (error) {
    io.warning(`Could not create the check run: ${message(error)}`)
  }
  setOutputs(
    outputsFor(pub.verdict, pub.reportPath, {
      commentUrl: sticky.url,
      checkRunUrl,
      artifactDir: pub.artifactDir,
    }),
    io.setOutput,
  )
  if (pub.failures.length > 0) io.setFailed(pub.failures.join('; '))
}
