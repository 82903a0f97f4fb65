// Verdicts a team can make a required check: controls never flagged, a slow leak
// caught, the same leak on both sides reported as pre-existing without failing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { prRun } from '../support/pr-run.js'
import { DIST_INDEX } from '../support/run-action.js'

describe.runIf(existsSync(DIST_INDEX))('verdicts (node dist/index.js)', () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(() => api.close())

  it.each([['churn'], ['boundedcache']])(
    'control %s measured A/A: no leak, no regression',
    async (control) => {
      const run = await prRun(api, control, control, control === 'churn' ? 21 : 22, {
        'fail-on': 'leak,regression',
      })
      const leaks = run.report.analysis.findings.filter((f) => f.kind !== 'bounded-growth')
      expect(leaks).toEqual([])
      expect(run.report.analysis.verdict).toEqual({ leak: false, newLeak: false, regression: false })
      expect(run.code).toBe(0)
    },
    180_000,
  )

  it('a slow leak (64 B/request) is flagged with finer heap sampling', async () => {
    const run = await prRun(api, 'healthy', 'planted', 23, { env: 'LEAK_BYTES=64', memprofilerate: '4096' })
    const finding = run.report.analysis.findings.find((f) => f.kind === 'heap-leak')
    expect(finding, JSON.stringify(run.report.analysis.notes)).toBeDefined()
    expect(finding!.site.ownFrame?.function ?? finding!.site.function).toContain('retain')
    expect(finding!.rate).toBeGreaterThan(32)
    expect(finding!.rate).toBeLessThan(160)
    expect(run.outputs['new-leak']).toBe('true')
  }, 180_000)

  // At the action's own warmup and duration: the sides stop when their answer is known.
  const DEFAULT_LENGTHS = { warmup: '', duration: '', snapshots: '' }

  it('at the defaults a healthy PR stops clean early, and the comment says what each phase took', async () => {
    const run = await prRun(api, 'healthy', 'healthy', 25, {
      ...DEFAULT_LENGTHS,
      'fail-on': 'leak,regression',
    })
    const timing = run.report.meta.timing!
    expect(run.report.meta.stopEarly).toBe(true)
    expect(timing.sides.map((s) => [s.side, s.stop?.reason])).toEqual([
      ['base', 'floor-reached'],
      ['head', 'floor-reached'],
    ])
    for (const s of timing.sides) {
      expect(s.warmupMs).toBeGreaterThanOrEqual(4_900)
      expect(s.measuredMs).toBeLessThan(30_000)
    }
    expect(run.report.analysis.verdict).toEqual({ leak: false, newLeak: false, regression: false })
    expect(run.comment).toMatch(
      /⏱ [\d.]+ s to the verdict: builds [\d.]+ m?s · base .* \(stopped at [\d.]+ s: floor [\d.]+ B\/req reached\)/,
    )
    expect(run.comment).toMatch(/at most 60 s measured, stopping when the answer is known/)
    expect(run.code).toBe(0)
  }, 180_000)

  it('at the defaults a 1 KiB/request leak stops head as certain within seconds, and fails the check', async () => {
    const run = await prRun(api, 'healthy', 'planted', 26, { ...DEFAULT_LENGTHS, env: 'LEAK_BYTES=1024' })
    const head = run.report.meta.timing!.sides.find((s) => s.side === 'head')!
    expect(head.stop?.reason).toBe('leak-certain')
    expect(head.measuredMs).toBeLessThan(15_000)
    const finding = run.report.analysis.findings[0]!
    expect([finding.kind, finding.status]).toEqual(['heap-leak', 'new'])
    expect(finding.site.ownFrame?.function).toContain('retain')
    expect(run.comment).toMatch(/head .* \(stopped at [\d.]+ s: leak certain/)
    expect(run.code).toBe(1)
  }, 180_000)

  it('the same leak on base and head is pre-existing: reported, exit 0 under the default fail-on', async () => {
    const run = await prRun(api, 'mapcache', 'mapcache', 24)
    const finding = run.report.analysis.findings.find((f) => f.kind === 'heap-leak')
    expect(finding).toBeDefined()
    expect(finding!.status).toBe('pre-existing')
    expect(run.outputs).toMatchObject({ leak: 'true', 'new-leak': 'false' })
    expect(run.code).toBe(0)
    expect(run.comment).toContain('rememberResponse')
  }, 180_000)
})
