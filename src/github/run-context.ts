// What the runner tells us about this run, read from the environment when asked
// (never at import time), so tests can run the action against any event file.
import { readFileSync } from 'node:fs'

/** The run that a `workflow_run` workflow was triggered by (the measuring run). */
export interface WorkflowRunInfo {
  id: number
  /** The commit the triggering run measured: a PR's head commit for `pull_request`. */
  headSha: string
  headBranch?: string
  /** Owner of the repository the head branch lives in (a fork's owner for a fork's PR). */
  headOwner?: string
  /** The event that triggered the measuring run, e.g. pull_request. */
  event?: string
  /** PRs of this repository whose head is headSha; GitHub leaves it empty for a fork's PR. */
  pullRequests: number[]
}

export interface RunContext {
  owner?: string
  repo?: string
  eventName?: string
  pullRequest?: { number: number; baseSha: string; headSha: string; baseRef?: string }
  workflowRun?: WorkflowRunInfo
  workspace: string
  job?: string
  runId?: string
  /** GITHUB_SHA: on `pull_request`, the merge commit, not the PR's head. */
  sha?: string
  serverUrl: string
  apiUrl: string
}

interface PullRequestRef {
  number?: unknown
  head?: { sha?: unknown }
  base?: { repo?: { url?: unknown; name?: unknown } }
}

interface WorkflowRunPayload {
  id?: unknown
  head_sha?: unknown
  head_branch?: unknown
  event?: unknown
  head_repository?: { owner?: { login?: unknown } }
  pull_requests?: unknown
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)

/**
 * The triggering run, from the event. `pull_requests` can name PRs of other
 * repositories that share the branch (a known quirk), so only this repository's
 * PRs whose head is the run's commit are kept.
 */
function workflowRunInfo(
  run: WorkflowRunPayload,
  owner?: string,
  repo?: string,
): WorkflowRunInfo | undefined {
  const headSha = str(run.head_sha)
  if (typeof run.id !== 'number' || !headSha || !/^[0-9a-f]{40,64}$/i.test(headSha)) return undefined
  const ours = (pr: PullRequestRef): boolean => {
    const url = str(pr.base?.repo?.url)
    if (url && owner && repo) return url.toLowerCase().endsWith(`/repos/${owner}/${repo}`.toLowerCase())
    return true
  }
  const prs = Array.isArray(run.pull_requests) ? (run.pull_requests as PullRequestRef[]) : []
  return {
    id: run.id,
    headSha,
    headBranch: str(run.head_branch),
    headOwner: str(run.head_repository?.owner?.login),
    event: str(run.event),
    pullRequests: prs
      .filter((pr) => pr && typeof pr.number === 'number' && Number.isInteger(pr.number) && pr.number > 0)
      .filter((pr) => str(pr.head?.sha) === undefined || str(pr.head?.sha) === headSha)
      .filter(ours)
      .map((pr) => pr.number as number),
  }
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  const context: RunContext = {
    owner: owner || undefined,
    repo: repo || undefined,
    eventName: env.GITHUB_EVENT_NAME,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    job: env.GITHUB_JOB,
    runId: env.GITHUB_RUN_ID,
    sha: env.GITHUB_SHA || undefined,
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
  }
  if (env.GITHUB_EVENT_PATH) {
    let event: {
      pull_request?: Record<string, unknown>
      workflow_run?: WorkflowRunPayload
      repository?: { full_name?: string }
    }
    try {
      event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
    } catch (error) {
      throw new Error(
        `GITHUB_EVENT_PATH: cannot read the event payload ${env.GITHUB_EVENT_PATH}: ${(error as Error).message}`,
      )
    }
    const pr = event.pull_request as
      { number?: number; base?: { sha?: string; ref?: string }; head?: { sha?: string } } | undefined
    if (pr && typeof pr.number === 'number' && pr.base?.sha) {
      context.pullRequest = {
        number: pr.number,
        baseSha: pr.base.sha,
        headSha: pr.head?.sha ?? '',
        baseRef: pr.base.ref,
      }
    }
    if (!context.owner && event.repository?.full_name) {
      const [o, r] = event.repository.full_name.split('/')
      context.owner = o
      context.repo = r
    }
    if (event.workflow_run && typeof event.workflow_run === 'object') {
      context.workflowRun = workflowRunInfo(event.workflow_run, context.owner, context.repo)
    }
  }
  return context
}

/** The run's page, where its artifacts are listed; undefined when the run is unknown. */
export function runUrl(
  context: RunContext,
  runId: string | number | undefined = context.runId,
): string | undefined {
  if (runId === undefined || !/^\d+$/.test(String(runId)) || !context.owner || !context.repo) return undefined
  return `${context.serverUrl.replace(/\/+$/, '')}/${context.owner}/${context.repo}/actions/runs/${runId}`
}
