// Which pull request a `workflow_run` workflow comments on. The event names it in
// workflow_run.pull_requests, except for a fork's PR, where GitHub leaves that
// empty: then the PR is looked up by the head commit the measuring run checked
// out, first with the commit's associated PRs, then among the open PRs.
import type { GitHubClient } from './octokit.js'
import { readOnlyResult } from './comment.js'
import type { RunContext } from './run-context.js'

export interface Target {
  /** Open PRs whose head is headSha, event's first; usually one. */
  pullRequests: number[]
  /** The commit that was measured; reports must name it. */
  headSha?: string
  /** Where the measuring run's artifacts are listed. */
  runId?: string
  /** How the PR was found, for the log. */
  source: 'pull_request event' | 'workflow_run event' | 'API lookup' | 'none'
}

interface PullSummary {
  number: number
  state?: string
  head?: { sha?: string }
  base?: { repo?: { full_name?: string } }
}

/** Open pulls at most this many pages deep (100 each) when the commit lookup finds nothing. */
const MAX_PULL_PAGES = 10

async function lookUp(
  octokit: GitHubClient,
  owner: string,
  repo: string,
  sha: string,
  head: { owner?: string; branch?: string },
): Promise<number[]> {
  const ours = (p: PullSummary): boolean =>
    p.head?.sha === sha &&
    (p.state === undefined || p.state === 'open') &&
    (!p.base?.repo?.full_name || p.base.repo.full_name.toLowerCase() === `${owner}/${repo}`.toLowerCase())
  try {
    const res = await octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
      owner,
      repo,
      commit_sha: sha,
      per_page: 100,
    })
    const found = (res.data as PullSummary[]).filter(ours).map((p) => p.number)
    if (found.length) return found
  } catch (error) {
    // 422: the commit is not in this repository (a fork's); 403/404: not visible to the token.
    const status = (error as { status?: number }).status
    if (status !== 422 && !readOnlyResult(error)) throw error
  }
  const filter = head.owner && head.branch ? { head: `${head.owner}:${head.branch}` } : {}
  for (let page = 1; page <= MAX_PULL_PAGES; page++) {
    const res = await octokit.request('GET /repos/{owner}/{repo}/pulls', {
      owner,
      repo,
      state: 'open',
      sort: 'updated',
      direction: 'desc',
      per_page: 100,
      page,
      ...filter,
    })
    const pulls = res.data as PullSummary[]
    const found = pulls.filter(ours).map((p) => p.number)
    if (found.length) return found
    if (pulls.length < 100) break
  }
  return []
}

export async function resolveTarget(
  context: RunContext,
  api: { octokit: GitHubClient; owner: string; repo: string } | undefined,
): Promise<Target> {
  const run = context.workflowRun
  if (run) {
    const base = { headSha: run.headSha, runId: String(run.id) }
    if (run.pullRequests.length)
      return { ...base, pullRequests: run.pullRequests, source: 'workflow_run event' }
    if (!api) return { ...base, pullRequests: [], source: 'none' }
    const found = await lookUp(api.octokit, api.owner, api.repo, run.headSha, {
      owner: run.headOwner,
      branch: run.headBranch,
    })
    return { ...base, pullRequests: found, source: found.length ? 'API lookup' : 'none' }
  }
  if (context.pullRequest) {
    return {
      pullRequests: [context.pullRequest.number],
      headSha: context.pullRequest.headSha || undefined,
      runId: context.runId,
      source: 'pull_request event',
    }
  }
  return { pullRequests: [], headSha: context.sha, runId: context.runId, source: 'none' }
}
