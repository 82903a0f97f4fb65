// A control beside the seed's goroutine causes (test/e2e/diagnosis.test.ts): a
// service that starts goroutines which do finish is not flagged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { prRun } from '../support/pr-run.js'
import { DIST_INDEX } from '../support/run-action.js'

describe.runIf(existsSync(DIST_INDEX))('leaks beyond the heap (node dist/index.js)', () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(() => api.close())

  it('healthy -> short-lived goroutines: not flagged', async () => {
    const run = await prRun(api, 'healthy', 'healthygoroutines', 13, { 'fail-on': 'leak' })
    const leaks = run.report.analysis.findings.filter((f) => f.kind !== 'bounded-growth')
    expect(leaks).toEqual([])
    expect(run.outputs.leak).toBe('false')
    expect(run.code).toBe(0)
  }, 180_000)
})
