// Modes `comment` and `aggregate`: publish reports measured by other jobs. In the
// fork-safe setup this runs in a `workflow_run` workflow with a write token, on
// reports the PR's own code could have written: each is validated (parseReport),
// must name the commit the triggering run measured, and is posted under this
// job's comment id and judged by this job's fail-on.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { annotationsFor, type PathMapping } from '../github/annotations.js'
import {
  artifactServiceUnavailable,
  loadArtifactClient,
  type ArtifactClientLike,
} from '../github/artifact.js'
import { downloadReportArtifacts, type FindBy } from '../github/artifact-reports.js'
import { runUrl } from '../github/run-context.js'
import { reviewPlan } from '../github/review-comments.js'
import { publish, type Publication } from '../github/publish.js'
import { renderMarkdown } from '../report/markdown.js'
import { commentMarker } from '../report/marker.js'
import type { Report } from '../model/report.js'
import { VERSION } from '../model/version.js'
import { combinedVerdict, renderAggregate, serviceNames } from '../report/multi-service.js'
import { apiFor, type ActionRun } from './run-env.js'
import { resolveTarget, type Target } from '../github/pull-request.js'
import { readReports, type LoadedReport } from './report-files.js'
import { verifyReport, withTrustedFields } from '../report/trust.js'
import type { ActionsIO } from '../github/actions-io.js'
import { coreIO } from './core-io.js'

/**
 * Where the report's files are in the repository. The report is untrusted: every
 * path derived from it stays inside the repository (repoRelativePath), and review
 * comments check path and line again before use (reviewPlan).
 */
function mappingOf(report: Report, workspace: string): PathMapping {
  return {
    // The measuring job's checkout: pprof's absolute paths start with it.
    workspace: report.meta.sourceRoots?.[0] ?? workspace,
    workingDirectory: report.meta.workingDirectory,
    modulePath: report.meta.modulePath,
  }
}

function annotationsOf(report: Report, workspace: string) {
  return annotationsFor(report.analysis, mappingOf(report, workspace), 50)
}

/** The PR to comment on: the event's, or the one the report itself names when the head is shared. */
function choosePullRequest(target: Target, reports: readonly LoadedReport[]): number | undefined {
  const named = reports[0]?.report.meta.pullRequest
  if (named !== undefined && target.pullRequests.includes(named)) return named
  return target.pullRequests[0]
}

interface FoundReports {
  /** What readReports reads: report-path, or the directory the artifacts' reports were written to. */
  path: string
  /** The one artifact the report came from, when it was downloaded. */
  artifactUrl?: string
  /** Where the reports came from, for messages. */
  source: string
  cleanup(): Promise<void>
}

/**
 * Without report-path: the `memleak-*` artifacts of the triggering run (a
 * `workflow_run` event), else of this run (a job after a matrix in the same
 * workflow), downloaded with @actions/artifact.
 */
async function downloadReports(
  env: ActionRun,
  client: () => Promise<ArtifactClientLike>,
  io: ActionsIO,
): Promise<FoundReports> {
  const { context, token } = env
  const run = context.workflowRun
  // Another run's artifacts come through the REST API with github-token; this run's need the runtime token.
  const unavailable = artifactServiceUnavailable(process.env, { runtimeToken: !run })
  const instead = 'give report-path (a report.json, or the directory actions/download-artifact wrote)'
  if (unavailable)
    throw new Error(`report-path: not given, and no artifact to read: ${unavailable}; ${instead}`)
  let findBy: FindBy | undefined
  if (run) {
    if (!context.owner || !context.repo)
      throw new Error(`report-path: not given, and GITHUB_REPOSITORY is unset; ${instead}`)
    if (!token)
      throw new Error(
        `github-token: empty; reading run ${run.id}'s artifacts needs a token with actions: read (or ${instead})`,
      )
    findBy = { token, workflowRunId: run.id, repositoryOwner: context.owner, repositoryName: context.repo }
  }
  const dest = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'memleak-artifacts-'))
  const cleanup = () => rm(dest, { recursive: true, force: true })
  try {
    const { reportsDir, artifacts } = await io.group('Download the reports', async () =>
      downloadReportArtifacts({
        client: await client(),
        findBy,
        dest,
        runPageUrl: runUrl(context, run?.id),
        log: { info: (line) => io.info(line), notice: (line) => io.notice(line) },
      }),
    )
    const withReports = artifacts.filter((a) => a.reports > 0)
    if (withReports.length === 0)
      throw new Error(
        `no report.json in ${artifacts.map((a) => a.name).join(', ')}: the measuring step stopped before writing one (its log says why)`,
      )
    return {
      path: reportsDir,
      artifactUrl: withReports.length === 1 ? withReports[0].url : undefined,
      source: `the ${run ? `run ${run.id}'s` : "run's"} artifacts ${artifacts.map((a) => a.name).join(', ')}`,
      cleanup,
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}

export async function runFromReports(
  env: ActionRun,
  artifactClient: () => Promise<ArtifactClientLike> = loadArtifactClient,
  io: ActionsIO = coreIO,
): Promise<void> {
  const { action, context } = env
  const found: FoundReports = action.reportPath
    ? {
        path: resolve(context.workspace, action.reportPath),
        source: 'report-path',
        cleanup: async () => {},
      }
    : await downloadReports(env, artifactClient, io)
  try {
    await publishReports(env, found, io)
  } finally {
    await found.cleanup()
  }
}

/** What is posted: one report's comment (mode comment), or the several services' table (mode aggregate). */
function publicationOf(
  mode: ActionRun['action']['mode'],
  reports: Report[],
  loaded: LoadedReport[],
  where: { path: string; commentId: string; artifactUrl: string | undefined; workspace: string },
  io: ActionsIO,
): Publication {
  const { path, commentId, artifactUrl, workspace } = where
  const marker = commentMarker(commentId)
  if (mode === 'comment') {
    const report = reports[0]
    return {
      render: (caps) => renderMarkdown(report, { artifactUrl, ...caps }),
      verdict: report.analysis.verdict,
      failures: report.failures,
      marker,
      annotations: annotationsOf(report, workspace),
      reviews: reviewPlan([{ analysis: report.analysis, mapping: mappingOf(report, workspace) }], commentId),
      reportPath: loaded[0].path,
    }
  } else {
    const names = serviceNames(reports)
    const services = reports.map((report, i) => ({ name: names[i], report }))
    io.info(`Aggregating ${services.length} reports: ${names.join(', ')}`)
    return {
      render: (caps) => renderAggregate(services, { marker, artifactUrl, version: VERSION, ...caps }),
      verdict: combinedVerdict(reports),
      failures: services.flatMap((s) => s.report.failures.map((f) => `${s.name}: ${f}`)),
      marker,
      annotations: services.flatMap((s) => annotationsOf(s.report, workspace)),
      reviews: reviewPlan(
        services.map((s) => ({
          analysis: s.report.analysis,
          mapping: mappingOf(s.report, workspace),
        })),
        commentId,
      ),
      reportPath: path,
    }
  }
}

async function publishReports(env: ActionRun, found: FoundReports, io: ActionsIO): Promise<void> {
  const { inputs, action, context, commentId } = env
  const { path } = found
  const loaded = await readReports(path)
  if (action.mode === 'comment' && loaded.length > 1) {
    throw new Error(
      found.source === 'report-path'
        ? `report-path: ${loaded.length} reports under ${path}; mode comment posts one. ` +
            'Use mode aggregate for a matrix of services, or download one artifact by name.'
        : `${loaded.length} reports in ${found.source}; mode comment posts one. Use mode aggregate for a matrix of services.`,
    )
  }

  const api = apiFor(env, io)
  if (!api.api && context.workflowRun && context.workflowRun.pullRequests.length === 0)
    io.warning(`${api.noApiReason}: the pull request of a fork cannot be looked up, so no comment is posted.`)
  let target: Target
  try {
    target = await resolveTarget(context, api.api)
  } catch (error) {
    io.warning(
      `Could not look up the pull request: ${error instanceof Error ? error.message : String(error)}`,
    )
    target = { pullRequests: [], headSha: context.workflowRun?.headSha, runId: context.runId, source: 'none' }
  }
  const pullRequest = choosePullRequest(target, loaded)
  if (pullRequest !== undefined) io.info(`Pull request #${pullRequest} (from the ${target.source}).`)
  else if (context.workflowRun)
    io.info(
      `No open pull request has head ${context.workflowRun.headSha.slice(0, 12)}: nothing to comment on.`,
    )

  const repository = context.owner && context.repo ? `${context.owner}/${context.repo}` : undefined
  const name = (l: LoadedReport): string => l.path.slice(path.length).replace(/^[\\/]/, '') || l.path
  for (const l of loaded)
    verifyReport(l.report, { headSha: target.headSha, repository, pullRequest }, name(l))

  const reports = loaded.map((l) =>
    withTrustedFields(l.report, {
      commentId,
      failOn: inputs.failOn,
      serverUrl: context.serverUrl,
      repository,
    }),
  )
  const runPage = runUrl(context, target.runId)
  const artifactUrl = (action.mode === 'comment' && found.artifactUrl) || runPage
  const publication = publicationOf(
    action.mode,
    reports,
    loaded,
    { path, commentId, artifactUrl, workspace: context.workspace },
    io,
  )
  await publish(
    publication,
    {
      ...api,
      pullRequest,
      headSha: target.headSha,
      comment: inputs.comment,
      deleteCommentWhenClean: action.deleteCommentWhenClean,
      commentAuthor: action.commentAuthor || undefined,
      reviewComments: action.reviewComments,
      checkName: action.checkName || undefined,
      detailsUrl: runPage,
      // Annotations as workflow commands would land on this run, not the PR's: the check run carries them.
      stepAnnotations: false,
    },
    io,
  )
}
