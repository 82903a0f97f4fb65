// The seed's other causes, end to end: goroutines blocked on a channel, response
// bodies never closed, and a control that starts goroutines which do finish.
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

  it('healthy -> goroutine leak: flagged, names the blocked function and the wait reason', async () => {
    const run = await prRun(api, 'healthy', 'goroutineleak', 11, { env: 'LEAK_EVERY=10' })
    const finding = run.report.analysis.findings.find((f) => f.kind === 'goroutine-leak')
    expect(finding, JSON.stringify(run.report.analysis.findings.map((f) => f.kind))).toBeDefined()
    expect(finding!.status).toBe('new')
    expect(JSON.stringify(finding)).toContain('startWorker')
    expect(JSON.stringify(finding!.details)).toContain('chan send')
    expect(run.outputs).toMatchObject({ leak: 'true', 'new-leak': 'true' })
    expect(run.code).toBe(1)
    expect(run.comment).toContain('startWorker')
    expect(run.comment).toContain('chan send')
  }, 180_000)

  it('healthy -> unclosed response bodies: flagged as a connection leak', async () => {
    const run = await prRun(api, 'healthy', 'bodyleak', 12, { env: 'LEAK_EVERY=10' })
    const kinds = run.report.analysis.findings.map((f) => f.kind)
    expect(kinds).toContain('connection-leak')
    const finding = run.report.analysis.findings.find((f) => f.kind === 'connection-leak')!
    expect(JSON.stringify(finding)).toContain('fetchUpstream')
    expect(finding.hint).toMatch(/Body\.Close/)
    expect(run.outputs['new-leak']).toBe('true')
    expect(run.comment).toMatch(/[Cc]onnection leak/)
  }, 180_000)

  it('healthy -> short-lived goroutines: not flagged', async () => {
    const run = await prRun(api, 'healthy', 'healthygoroutines', 13, { 'fail-on': 'leak' })
    const leaks = run.report.analysis.findings.filter((f) => f.kind !== 'bounded-growth')
    expect(leaks).toEqual([])
    expect(run.outputs.leak).toBe('false')
    expect(run.code).toBe(0)
  }, 180_000)
})
