// The check run over real HTTP: the real Octokit against the local API stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOctokit, type GitHubClient } from '../../src/github/octokit.js'
import { createCheckRun } from '../../src/github/check-run.js'
import type { Annotation } from '../../src/github/annotations.js'
import { headlineOf, plainText } from '../../src/report/plain-text.js'
import { renderMarkdown } from '../../src/report/markdown.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import * as F from '../report/fixtures.js'

const SHA = 'f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d'
let api: GitHubApi
let octokit: GitHubClient

beforeAll(async () => {
  api = await startGitHubApi()
  octokit = createOctokit('ghs_checkTOKEN', {
    baseUrl: api.url,
    retryAfterBaseMs: 10,
    throttle: false,
    log: { debug() {}, info() {}, warn() {}, error() {} },
    mask: null,
  })
})
afterAll(async () => {
  await api.close()
})

const annotation = (i: number, level: Annotation['level'] = 'error'): Annotation => ({
  path: `cmd/api/f${i}.go`,
  line: i + 1,
  title: `t${i}`,
  message: `m${i}`,
  level,
})

describe('createCheckRun', () => {
  it('creates a completed run with the summary, the annotations and the conclusion', async () => {
    const summary = renderMarkdown(F.report(F.heapLeakAnalysis(), ['new leak']), { maxChars: 65_535 })
    const result = await createCheckRun(octokit, {
      owner: 'octo',
      repo: 'service',
      name: 'memleak',
      headSha: SHA,
      conclusion: 'failure',
      title: headlineOf(summary),
      summary,
      annotations: [annotation(0), annotation(1, 'warning'), annotation(2, 'notice')],
      detailsUrl: 'https://github.com/octo/service/actions/runs/9',
    })
    expect(result).toMatchObject({ action: 'created', annotations: 3 })
    const run = api.state.checkRuns.at(-1)!
    expect(run).toMatchObject({
      name: 'memleak',
      head_sha: SHA,
      status: 'completed',
      conclusion: 'failure',
      details_url: 'https://github.com/octo/service/actions/runs/9',
    })
    const output = run.output as { title: string; summary: string; annotations: Record<string, unknown>[] }
    expect(output.title).toMatch(/^❌ New heap leak: /)
    expect(output.title).not.toMatch(/[`\\]|&#|&lt;/)
    expect(output.summary).toBe(summary)
    expect(output.annotations.map((a) => a.annotation_level)).toEqual(['failure', 'warning', 'notice'])
    expect(output.annotations[0]).toEqual({
      path: 'cmd/api/f0.go',
      start_line: 1,
      end_line: 1,
      annotation_level: 'failure',
      title: 't0',
      message: 'm0',
    })
  })

  it('sends at most 50 annotations a request: the rest follow in updates', async () => {
    const before = api.requests.length
    const result = await createCheckRun(octokit, {
      owner: 'octo',
      repo: 'service',
      name: 'memleak',
      headSha: SHA,
      conclusion: 'success',
      title: 'ok',
      summary: 'x'.repeat(70_000),
      annotations: Array.from({ length: 120 }, (_, i) => annotation(i)),
    })
    expect(result).toMatchObject({ action: 'created', annotations: 120 })
    const sent = api.requests.slice(before)
    expect(sent.map((r) => r.method)).toEqual(['POST', 'PATCH', 'PATCH'])
    const counts = sent.map(
      (r) => (r.body as { output: { annotations: unknown[] } }).output.annotations.length,
    )
    expect(counts).toEqual([50, 50, 20])
    // GitHub's cap on the summary.
    const summary = (sent[0].body as { output: { summary: string } }).output.summary
    expect(Array.from(summary).length).toBe(65_535)
  })

  it('a token without checks: write is a read-only outcome, not an error', async () => {
    api.forbid('POST', /\/check-runs$/)
    const result = await createCheckRun(octokit, {
      owner: 'octo',
      repo: 'other',
      name: 'memleak',
      headSha: SHA,
      conclusion: 'success',
      title: 'ok',
      summary: 'ok',
      annotations: [],
    })
    expect(result).toMatchObject({ action: 'read-only', status: 403 })
  })
})

describe('plainText', () => {
  it('undoes our escaping: what a check title or a <summary> shows is the text itself', () => {
    expect(plainText('### ❌ New heap leak: \\+412 B/req retained in `main.cache` (a\\_b.go:4)')).toBe(
      '❌ New heap leak: +412 B/req retained in main.cache (a_b.go:4)',
    )
    expect(plainText('@&#8203;org/team &lt;img src=x&gt; <span>$</span>5 &amp;')).toBe(
      '@org/team <img src=x> $5 &',
    )
  })
})
