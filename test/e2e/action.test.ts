// The action end to end, as a runner runs it: a real git repository with a base
// and a head commit, real Gin services built and loaded, a local GitHub API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { prRun, TOKEN } from '../support/pr-run.js'
import { DIST_INDEX } from '../support/run-action.js'

describe.runIf(existsSync(DIST_INDEX))('action e2e (node dist/index.js)', () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(() => api.close())

  it('healthy -> healthy: no leak, no regression, exit 0, one comment', async () => {
    const run = await prRun(api, 'healthy', 'healthy', 1)
    expect(run.outputs).toMatchObject({ leak: 'false', 'new-leak': 'false', regression: 'false' })
    expect(run.code).toBe(0)
    expect(run.report.schemaVersion).toBe(2)
    expect(run.report.analysis.verdict).toEqual({ leak: false, newLeak: false, regression: false })
    expect(run.comment).toMatch(/^<!-- memleak-action:/)
    expect(run.summary).toContain('memleak-action')
    const writes = api.requests.filter((r) => r.path.includes('/issues/1/'))
    expect(writes.length).toBeGreaterThan(0)
    expect(writes.every((r) => r.headers.authorization?.endsWith(TOKEN))).toBe(true)
  }, 150_000)

  it('healthy -> allocation-heavy: regression, the function named', async () => {
    const run = await prRun(api, 'healthy', 'allocheavy', 3)
    expect(run.outputs).toMatchObject({ regression: 'true', leak: 'false' })
    expect(run.code).toBe(1)
    expect(run.comment).toContain('renderVerbose')
  }, 150_000)
})
