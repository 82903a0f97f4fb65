// The action end to end, as a runner runs it: a real git repository with a base
// and a head commit, real Gin services built and loaded, a local GitHub API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture-repo.js'
import {
  DIST_INDEX,
  freePort,
  processesMentioning,
  runAction,
  type ActionRun,
} from '../support/run-action.js'

const SHORT_LOAD = { requests: 'GET /time', warmup: '1s', duration: '4s', snapshots: '4', connections: '8' }

describe.runIf(existsSync(DIST_INDEX))('action e2e (node dist/index.js)', () => {
  let api: GitHubApi
  const repos: FixtureRepo[] = []

  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(async () => {
    await api.close()
    for (const repo of repos) repo.remove()
  })

  async function prRun(
    base: string,
    head: string,
    number: number,
    extra: Record<string, string> = {},
  ): Promise<ActionRun & { repo: FixtureRepo }> {
    const repo = makeFixtureRepo(base, head)
    repos.push(repo)
    const run = await runAction({
      workspace: repo.dir,
      apiUrl: api.url,
      pullRequest: { number, baseSha: repo.baseSha, headSha: repo.headSha },
      inputs: {
        package: './cmd/api',
        port: String(await freePort()),
        'github-token': 'ghs_e2eSECRETtoken',
        ...SHORT_LOAD,
        ...extra,
      },
    })
    // Nothing the action started may outlive it.
    expect(processesMentioning(repo.dir)).toEqual([])
    expect(processesMentioning(run.runnerTemp)).toEqual([])
    return { ...run, repo }
  }

  it('healthy -> healthy: no leak, no regression, exit 0, one comment', async () => {
    const run = await prRun('healthy', 'healthy', 1)
    // The runner consumes ::add-mask:: itself; anywhere else the token must not appear.
    const printed = (run.stderr + run.stdout).replace(/^::add-mask::.*$/gm, '')
    expect(printed).not.toContain('ghs_e2eSECRETtoken')
    expect(run.outputs).toMatchObject({ leak: 'false', 'new-leak': 'false', regression: 'false' })
    expect(run.code).toBe(0)
    const report = JSON.parse(readFileSync(run.outputs.report, 'utf8'))
    expect(report.schemaVersion).toBe(1)
    expect(report.analysis.verdict).toEqual({ leak: false, newLeak: false, regression: false })
    const comments = api.comments('octo', 'service', 1)
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toMatch(/^<!-- memleak-action:/)
    expect(run.summary).toContain('memleak')
    const authHeaders = api.requests
      .filter((r) => r.path.includes('/issues/1/'))
      .map((r) => r.headers.authorization)
    expect(
      authHeaders.every((h) => h === 'token ghs_e2eSECRETtoken' || h === 'Bearer ghs_e2eSECRETtoken'),
    ).toBe(true)
  }, 120_000)

  it('healthy -> map cache leak: leak, new-leak, exit 1, the comment names the function', async () => {
    const run = await prRun('healthy', 'mapcache', 2)
    expect(run.outputs).toMatchObject({ leak: 'true', 'new-leak': 'true' })
    expect(run.code).toBe(1)
    const [comment] = api.comments('octo', 'service', 2)
    expect(comment.body).toContain('rememberResponse')
    expect(comment.body).toMatch(/heap leak|Heap leak|leak/)
    // The one-line reason of the failed step.
    expect(run.stdout).toMatch(/::error::.*leak/i)
  }, 120_000)

  it('healthy -> allocation-heavy: regression, the function named', async () => {
    const run = await prRun('healthy', 'allocheavy', 3)
    expect(run.outputs).toMatchObject({ regression: 'true', leak: 'false' })
    expect(run.code).toBe(1)
    const [comment] = api.comments('octo', 'service', 3)
    expect(comment.body).toContain('renderVerbose')
  }, 120_000)
})
