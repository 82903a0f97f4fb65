// The action's edge: job summary, outputs, annotations, sticky comment, and the
// step's verdict. Publishing never changes the verdict: a token that cannot write
// (a fork's PR) degrades to the job summary with a warning; the exit status is the same.
import * as core from '@actions/core'
import { annotationsFor } from './github/annotations.js'
import { upsertComment } from './github/comment.js'
import type { RunContext } from './github/context.js'
import { createOctokit } from './github/octokit.js'
import { emitAnnotations, outputsFor, setOutputs, writeJobSummary } from './github/summary.js'
import type { Inputs } from './inputs.js'
import type { PipelineResult } from './pipeline.js'
import { commentMarker } from './report/markdown.js'

export interface PublishOptions {
  inputs: Inputs
  context: RunContext
  token: string
  commentId: string
}

/** Posts or updates the sticky comment; returns its URL when written. */
async function postComment(result: PipelineResult, opts: PublishOptions): Promise<string | undefined> {
  const { context, inputs, token } = opts
  if (!inputs.comment) return undefined
  if (!context.pullRequest) {
    core.info('Not a pull request: no comment; the report is in the job summary.')
    return undefined
  }
  if (!token || !context.owner || !context.repo) {
    core.warning(
      'No github-token or repository: the comment was not posted; the report is in the job summary.',
    )
    return undefined
  }
  const octokit = createOctokit(token, { baseUrl: context.apiUrl })
  const outcome = await upsertComment(octokit, {
    owner: context.owner,
    repo: context.repo,
    issueNumber: context.pullRequest.number,
    marker: commentMarker(opts.commentId),
    body: result.markdown,
  })
  if (outcome.action === 'read-only') {
    core.warning(
      `The token cannot comment on this pull request (HTTP ${outcome.status}; a fork's PR gets a read-only token). ` +
        'The report is in the job summary; see the README for the fork-safe two-workflow setup.',
    )
    return undefined
  }
  core.info(`Comment ${outcome.action}: ${outcome.url}`)
  return outcome.url
}

export async function publish(result: PipelineResult, opts: PublishOptions): Promise<void> {
  const { report } = result
  await writeJobSummary(report)
  emitAnnotations(
    annotationsFor(report.analysis, {
      workspace: opts.context.workspace,
      workingDirectory: opts.inputs.workingDirectory,
      modulePath: report.meta.modulePath,
    }),
  )
  let commentUrl: string | undefined
  try {
    commentUrl = await postComment(result, opts)
  } catch (error) {
    // The verdict stands whatever happened to the comment.
    core.warning(`Could not post the comment: ${error instanceof Error ? error.message : String(error)}`)
  }
  setOutputs(outputsFor(report, result.reportPath, commentUrl))
  if (report.failures.length > 0) core.setFailed(report.failures.join('; '))
}
