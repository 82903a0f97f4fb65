// Which PR a workflow_run comments on: the event's, or looked up by head commit
// over real HTTP (the stand-in) when GitHub leaves the event's list empty (forks).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readRunContext, runUrl } from '../../src/github/run-context.js'
import { createOctokit } from '../../src/github/octokit.js'
import { resolveTarget } from '../../src/github/pull-request.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'

const SHA = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00'
let api: GitHubApi
let dir: string

beforeAll(async () => {
  api = await startGitHubApi()
  dir = mkdtempSync(join(tmpdir(), 'memleak-event-'))
})
afterAll(async () => {
  await api.close()
  rmSync(dir, { recursive: true, force: true })
})

function contextFor(workflowRun: Record<string, unknown>, repo = 'octo/service') {
  const path = join(dir, `event-${Math.random()}.json`)
  writeFileSync(path, JSON.stringify({ action: 'completed', workflow_run: workflowRun }))
  return readRunContext({
    GITHUB_REPOSITORY: repo,
    GITHUB_EVENT_NAME: 'workflow_run',
    GITHUB_EVENT_PATH: path,
    GITHUB_RUN_ID: '77',
    GITHUB_SERVER_URL: 'https://github.example',
  })
}

const client = () =>
  createOctokit('ghs_prTOKEN', {
    baseUrl: api.url,
    throttle: false,
    retryAfterBaseMs: 10,
    mask: null,
    log: { debug() {}, info() {}, warn() {}, error() {} },
  })

describe('workflow_run context', () => {
  it("keeps this repository's PRs whose head is the measured commit", () => {
    const ctx = contextFor({
      id: 555,
      head_sha: SHA,
      head_branch: 'feature',
      event: 'pull_request',
      head_repository: { owner: { login: 'octo' } },
      pull_requests: [
        {
          number: 3,
          head: { sha: SHA },
          base: { repo: { url: 'https://api.github.com/repos/other/thing' } },
        },
        {
          number: 4,
          head: { sha: 'f'.repeat(40) },
          base: { repo: { url: 'https://api.github.com/repos/octo/service' } },
        },
        {
          number: 5,
          head: { sha: SHA },
          base: { repo: { url: 'https://api.github.com/repos/octo/service' } },
        },
      ],
    })
    expect(ctx.workflowRun).toEqual({
      id: 555,
      headSha: SHA,
      headBranch: 'feature',
      headOwner: 'octo',
      event: 'pull_request',
      pullRequests: [5],
    })
    // The measuring run's page, where its artifacts are.
    expect(runUrl(ctx, ctx.workflowRun!.id)).toBe('https://github.example/octo/service/actions/runs/555')
  })

  it('ignores a payload without a well-formed head commit', () => {
    expect(contextFor({ id: 1, head_sha: 'not a sha', pull_requests: [] }).workflowRun).toBeUndefined()
  })
})

describe('resolveTarget', () => {
  it("looks a fork's PR up by its head commit when the event lists none", async () => {
    api.addPull({
      owner: 'octo',
      repo: 'service',
      number: 12,
      headSha: SHA,
      headOwner: 'forker',
      headRef: 'patch-1',
    })
    const ctx = contextFor({
      id: 9,
      head_sha: SHA,
      head_branch: 'patch-1',
      head_repository: { owner: { login: 'forker' } },
      pull_requests: [],
    })
    const target = await resolveTarget(ctx, { octokit: client(), owner: 'octo', repo: 'service' })
    expect(target).toEqual({ pullRequests: [12], headSha: SHA, runId: '9', source: 'API lookup' })
  })

  it("falls back to listing open PRs when the commit's PR list leaves forks out", async () => {
    const sha = 'ab'.repeat(20)
    api.setCommitPullsSkipForks(true)
    api.addPull({
      owner: 'octo',
      repo: 'service',
      number: 13,
      headSha: sha,
      headOwner: 'forker',
      headRef: 'fix',
    })
    api.addPull({
      owner: 'octo',
      repo: 'service',
      number: 14,
      headSha: sha,
      headOwner: 'forker',
      headRef: 'fix',
      state: 'closed',
    })
    const before = api.requests.length
    const ctx = contextFor({
      id: 10,
      head_sha: sha,
      head_branch: 'fix',
      head_repository: { owner: { login: 'forker' } },
    })
    const target = await resolveTarget(ctx, { octokit: client(), owner: 'octo', repo: 'service' })
    expect(target.pullRequests).toEqual([13])
    const asked = api.requests.slice(before)
    expect(asked.map((r) => r.path)).toEqual([
      `/repos/octo/service/commits/${sha}/pulls`,
      '/repos/octo/service/pulls',
    ])
    expect(asked[1].query).toMatchObject({ state: 'open', head: 'forker:fix' })
    api.setCommitPullsSkipForks(false)
  })

  it('finds nothing, without failing, for a commit no open PR has', async () => {
    const ctx = contextFor({ id: 11, head_sha: 'de'.repeat(20), pull_requests: [] })
    const target = await resolveTarget(ctx, { octokit: client(), owner: 'octo', repo: 'service' })
    expect(target).toMatchObject({ pullRequests: [], source: 'none' })
  })
})
