// The action's edge: job summary, outputs, sticky comment, and the step's verdict.
// Publishing never changes the verdict: a token that cannot write (a fork's PR)
// degrades to the job summary with a warning, and the exit status is the same.
import * as core from '@actions/core'
import { appendFile } from 'node:fs/promises'
import { upsertComment } from './github/comment.js'
import type { RunContext } from './github/context.js'
import { createOctokit } from './github/octokit.js'
import type { Inputs } from './inputs.js'
import type { PipelineResult } from './pipeline.js'
import { commentMarker, renderMarkdown } from './report/markdown.js'

/** The job summary's limit is 1 MiB a step. */
const SUMMARY_MAX_BYTES = 1024 * 1024 - 1024

export interface PublishOptions {
  inputs: Inputs
  context: RunContext
  token: string
  commentId: string
}

async function writeSummary(result: PipelineResult): Promise<void> {
  const path = process.env.GITHUB_STEP_SUMMARY
  if (!path) return
  const body = renderMarkdown(result.report, {
    maxBytes: SUMMARY_MAX_BYTES,
    maxChars: Number.MAX_SAFE_INTEGER,
  })
  await appendFile(path, `${body}\n`)
}

async function postComment(result: PipelineResult, opts: PublishOptions): Promise<void> {
  const { context, inputs, token } = opts
  if (!inputs.comment) return
  if (!context.pullRequest) {
    core.info('Not a pull request: no comment; the report is in the job summary.')
    return
  }
  if (!token || !context.owner || !context.repo) {
    core.warning(
      'No github-token or repository: the comment was not posted; the report is in the job summary.',
    )
    return
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
  } else {
    core.info(`Comment ${outcome.action}: ${outcome.url}`)
  }
}

export async function publish(result: PipelineResult, opts: PublishOptions): Promise<void> {
  const { verdict } = result.report.analysis
  core.setOutput('leak', String(verdict.leak))
  core.setOutput('new-leak', String(verdict.newLeak))
  core.setOutput('regression', String(verdict.regression))
  core.setOutput('report', result.reportPath)
  await writeSummary(result)
  try {
    await postComment(result, opts)
  } catch (error) {
    // The verdict stands whatever happened to the comment.
    core.warning(`Could not post the comment: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (result.report.failures.length > 0) core.setFailed(result.report.failures.join('; '))
}
