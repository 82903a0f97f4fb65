// Modes `full` and `analyze`: build, load and measure here, then publish. The
// run's directory becomes the artifact: everything worth keeping (every
// snapshot's profiles, the service logs, report.json) and nothing else (the
// binaries are built elsewhere). It is uploaded before publishing, so the
// comment links the artifact itself; in mode analyze the upload is how the
// report reaches the comment workflow.
import { join } from 'node:path'
import { annotationsFor, type PathMapping } from '../github/annotations.js'
import { artifactNameFor, uploadRunArtifact, type UploadedArtifact } from '../github/artifact.js'
import { runUrl } from '../github/run-context.js'
import { reviewPlan } from '../github/review-comments.js'
import { runPipeline, type Logger, type PipelineResult } from '../pipeline.js'
import { publish } from '../github/publish.js'
import { RunStoppedError, startRunControl } from '../run/run-control.js'
import { renderMarkdown } from '../report/markdown.js'
import { commentMarker } from '../report/marker.js'
import { runnerSecrets } from '../run/secrets.js'
import { apiFor, type ActionRun } from './run-env.js'
import { inert } from '../github/echo.js'
import { UsageError } from '../model/errors.js'
import type { ActionsIO } from '../github/actions-io.js'
import { coreIO } from './core-io.js'

/** Events whose runs hold the base repository's secrets and a write token. */
const PRIVILEGED_EVENTS = ['pull_request_target', 'workflow_run', 'issue_comment']

/**
 * Measuring builds and runs the checked-out code. On a privileged event that is
 * the PR's code with the base's secrets: the "pwn request". Refused unless the
 * workflow's author says the code is trusted.
 */
export function refusePrivilegedEvent(eventName: string | undefined, allowUntrustedCode: boolean): void {
  if (!eventName || !PRIVILEGED_EVENTS.includes(eventName) || allowUntrustedCode) return
  throw new UsageError(
    `${eventName}: refusing to build and run code here: this event runs with the base repository's secrets ` +
      "and a write token, so a pull request's code would get them; measure in a pull_request workflow " +
      '(mode: analyze) and comment from a workflow_run workflow (mode: comment), see docs/security.md, ' +
      'or set allow-untrusted-code: true if the checked-out code is trusted',
  )
}

function pipelineLogger(io: ActionsIO): Logger {
  return {
    // Lines may quote the service (its log tail, an error body): never as workflow commands.
    info: (line) => io.info(inert(line)),
    warn: (line) => io.warning(line),
    group: (title, fn) => io.group(title, fn),
  }
}

/** Publishes the measured report; in mode analyze without GitHub API calls, saying where the comment will come from. */
async function publishMeasured(
  env: ActionRun,
  io: ActionsIO,
  run: {
    report: PipelineResult['report']
    reportPath: string
    outDir: string
    runPage: string | undefined
    uploaded: UploadedArtifact | undefined
  },
): Promise<void> {
  const { inputs, action, context } = env
  const { report, outDir, runPage, uploaded } = run
  const analyzeOnly = action.mode === 'analyze'
  const artifactUrl = uploaded?.url ?? runPage
  if (analyzeOnly) {
    io.info(
      uploaded
        ? `mode analyze: no GitHub API calls. The comment workflow downloads artifact ${uploaded.name}.`
        : `mode analyze: no GitHub API calls. Upload ${outDir} (the artifact-dir output) for the comment workflow.`,
    )
    if (action.checkName || action.deleteCommentWhenClean || action.reviewComments)
      io.info(
        'check-name, delete-comment-when-clean and review-comments take effect in the comment workflow (mode comment).',
      )
  }
  const mapping: PathMapping = {
    workspace: context.workspace,
    workingDirectory: inputs.workingDirectory,
    modulePath: report.meta.modulePath,
  }
  await publish(
    {
      render: (caps) => renderMarkdown(report, { artifactUrl, ...caps }),
      verdict: report.analysis.verdict,
      failures: report.failures,
      marker: commentMarker(report.meta.commentId),
      annotations: annotationsFor(report.analysis, mapping, 50),
      reviews: reviewPlan([{ analysis: report.analysis, mapping }], report.meta.commentId),
      reportPath: run.reportPath,
      artifactDir: outDir,
    },
    {
      ...(analyzeOnly ? {} : apiFor(env, io)),
      pullRequest: context.pullRequest?.number,
      headSha: context.pullRequest?.headSha || context.sha,
      comment: inputs.comment && !analyzeOnly,
      deleteCommentWhenClean: action.deleteCommentWhenClean,
      commentAuthor: action.commentAuthor || undefined,
      reviewComments: action.reviewComments && !analyzeOnly,
      checkName: analyzeOnly ? undefined : action.checkName || undefined,
      detailsUrl: runPage,
      stepAnnotations: true,
    },
    io,
  )
}

export async function runMeasure(env: ActionRun, io: ActionsIO = coreIO): Promise<void> {
  const { inputs, action, context, commentId } = env
  refusePrivilegedEvent(context.eventName, action.allowUntrustedCode)
  if (context.eventName && PRIVILEGED_EVENTS.includes(context.eventName))
    io.warning(
      `allow-untrusted-code: building and running the checked-out code on ${context.eventName}, with this run's secrets`,
    )
  const baseRef = inputs.baseRef || context.pullRequest?.baseSha
  if (!baseRef)
    io.info('No base to compare against (not a pull request and no base-ref): checking head for leaks only.')
  const runPage = runUrl(context)
  const outDir = join(
    process.env.RUNNER_TEMP || join(context.workspace, '.memleak'),
    `memleak-${commentId.replace(/[^\w.-]/g, '_')}`,
  )

  // Also after a failed run: a side that crashed leaves the profiles that explain it.
  const keepFiles = async (): Promise<UploadedArtifact | undefined> => {
    if (!action.uploadArtifact) return undefined
    const uploaded = await io.group('Artifact', () =>
      uploadRunArtifact({
        dir: outDir,
        name: artifactNameFor(commentId),
        runPageUrl: runPage,
        log: { info: (line) => io.info(line), notice: (line) => io.notice(line) },
        timeoutMs: 2 * 60_000,
      }),
    )
    if (uploaded) {
      io.setOutput('artifact-id', String(uploaded.id))
      if (uploaded.url) io.setOutput('artifact-url', uploaded.url)
    }
    return uploaded
  }

  // The timeout input and a cancelled job (SIGINT, then SIGTERM) stop the run as they stop the CLI:
  // a partial report is published, and the step fails with the stop's reason (in report.failures).
  const control = startRunControl(inputs.timeoutMs)
  try {
    const result = await runPipeline(inputs, {
      workspace: context.workspace,
      baseRef,
      headSha: context.pullRequest?.headSha || context.sha,
      repository: context.owner && context.repo ? `${context.owner}/${context.repo}` : undefined,
      pullRequest: context.pullRequest?.number,
      outDir,
      commentId,
      artifactUrl: runPage,
      serverUrl: context.serverUrl,
      log: pipelineLogger(io),
      signal: control.signal,
      forbiddenValues: runnerSecrets(env.token, process.env),
    }).catch(async (error: unknown) => {
      // Whatever failed after the deadline or a cancel failed because of it: say that.
      const reason = control.explain(error)
      await keepFiles()
      throw reason
    })
    const { report } = result
    // Cancelled: the runner kills the job seconds after its SIGINT, so the summary and outputs go first.
    const cancelled = result.stopped instanceof RunStoppedError && result.stopped.cancelled
    const uploaded = cancelled ? undefined : await keepFiles()
    await publishMeasured(env, io, { report, reportPath: result.reportPath, outDir, runPage, uploaded })
    if (cancelled) await keepFiles()
  } finally {
    control.dispose()
  }
}
