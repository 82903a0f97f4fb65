// Review comments over real HTTP: the real Octokit against the local GitHub API
// stand-in, whose pull request files are the real `git diff` of a fixture
// repository (healthy -> mapcache: its hunks show head lines 1-28 and 31-49).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Analysis, Finding } from '../../src/model/analysis.js'
import type { PathMapping } from '../../src/github/annotations.js'
import { createOctokit, type GitHubClient } from '../../src/github/octokit.js'
import { rightSideLines } from '../../src/github/patch.js'
import {
  isSafeRepoPath,
  reviewPlan,
  syncReviewComments,
  type ReviewOutcome,
  type ReviewTarget,
} from '../../src/github/review-comments.js'
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture-repo.js'
import { pullFilesFromGit, startGitHubApi, type GitHubApi } from '../support/github-api.js'
import * as F from '../report/fixtures.js'

const OWNER = 'octo'
const REPO = 'service'
const HEAD = 'c0ffee'.repeat(6) + 'c0de'
const FIXED_HEAD = 'feed'.repeat(10)
const REPORT_URL = 'https://github.com/octo/service/pull/1#issuecomment-1'
const MAPPING: PathMapping = { workspace: F.WORKSPACE, workingDirectory: '.', modulePath: F.MODULE }
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

let api: GitHubApi
let octokit: GitHubClient
let repo: FixtureRepo
let pull = 100
let logged: string[]

/** A finding of this PR at cmd/api/main.go:line (the file the PR changes). */
function finding(line: number, over: Partial<Finding> = {}): Finding {
  const fn = over.site?.function ?? 'main.rememberResponse'
  return {
    ...F.heapLeakFinding(),
    site: F.site(fn, `${F.WORKSPACE}/cmd/api/main.go`, line),
    ...over,
  }
}

function analysis(findings: Finding[]): Analysis {
  return { ...F.heapLeakAnalysis(), findings }
}

function target(over: Partial<ReviewTarget> = {}): ReviewTarget {
  return { owner: OWNER, repo: REPO, pullNumber: pull, headSha: HEAD, reportUrl: REPORT_URL, ...over }
}

async function sync(findings: Finding[], over: Partial<ReviewTarget> = {}): Promise<ReviewOutcome> {
  const plan = reviewPlan([{ analysis: analysis(findings), mapping: MAPPING }], 'api')
  return syncReviewComments(octokit, target(over), plan, { info: (line) => logged.push(line) })
}

const comments = () => api.reviewComments(OWNER, REPO, pull)
const writes = (from: number) =>
  api.requests.slice(from).filter((r) => r.method !== 'GET' && r.path !== '/graphql')

beforeAll(async () => {
  api = await startGitHubApi()
  octokit = createOctokit('ghs_reviewTOKEN', {
    baseUrl: api.url,
    retryAfterBaseMs: 10,
    throttle: false,
    log: quiet,
    mask: null,
  })
  repo = makeFixtureRepo('healthy', 'mapcache')
})
afterAll(async () => {
  repo.remove()
  await api.close()
})
beforeEach(() => {
  pull++
  logged = []
  api.setReadOnly(false)
  api.setGraphqlRefused(false)
  api.setPullFiles(OWNER, REPO, pull, pullFilesFromGit(repo.dir, repo.baseSha, repo.headSha))
})

describe('rightSideLines', () => {
  it('counts added and context lines on the head side, never removed ones', () => {
    const patch = [
      '@@ -1,3 +1,4 @@ package main',
      ' a',
      '-b',
      '+B',
      '+C',
      ' d',
      '@@ -10 +11,2 @@',
      '-x',
      '+y',
      '+z',
      '\\ No newline at end of file',
    ].join('\n')
    expect([...rightSideLines(patch)]).toEqual([1, 2, 3, 4, 11, 12])
    expect(rightSideLines('@@ -1,2 +0,0 @@\n-a\n-b').size).toBe(0)
  })

  it('reads the real diff of the fixture repository', () => {
    const [file] = pullFilesFromGit(repo.dir, repo.baseSha, repo.headSha)
    expect(file.filename).toBe('cmd/api/main.go')
    const lines = rightSideLines(file.patch!)
    expect(lines.has(42) && lines.has(28) && lines.has(31)).toBe(true)
    expect(lines.has(29) || lines.has(30) || lines.has(50)).toBe(false)
  })
})

describe('reviewPlan', () => {
  it('takes new, worse and unmeasured leaks at their own line; not pre-existing ones, not bounded growth', () => {
    const plan = reviewPlan(
      [
        {
          analysis: analysis([
            finding(42, { status: 'pre-existing', site: F.site('main.old', 'x', 1) }),
            finding(43, { kind: 'bounded-growth', site: F.site('main.cache', `${F.WORKSPACE}/a.go`, 3) }),
            finding(44, { status: 'unknown', site: F.site('main.b', `${F.WORKSPACE}/cmd/api/main.go`, 44) }),
            finding(42),
          ]),
          mapping: MAPPING,
        },
      ],
      'api',
    )
    expect(plan.candidates.map((c) => [c.path, c.line, c.finding.status])).toEqual([
      ['cmd/api/main.go', 42, 'new'],
      ['cmd/api/main.go', 44, 'unknown'],
    ])
    // Every finding head still has is "present": its earlier comment is not marked fixed.
    expect(plan.present).toHaveLength(4)
    expect(reviewPlan([{ analysis: F.cleanAnalysis(), mapping: MAPPING }], 'api').candidates).toEqual([])
  })

  it('several reports (aggregate): one candidate per marker, the most harmful of all first', () => {
    const worse = finding(40, {
      status: 'worsened',
      site: F.site('main.w', `${F.WORKSPACE}/cmd/api/main.go`, 40),
    })
    const plan = reviewPlan(
      [
        { analysis: analysis([worse, finding(42)]), mapping: MAPPING },
        { analysis: analysis([finding(42)]), mapping: MAPPING },
        {
          analysis: analysis([
            finding(12, { kind: 'crash', site: F.site('main.boom', `${F.WORKSPACE}/cmd/api/main.go`, 12) }),
          ]),
          mapping: MAPPING,
        },
      ],
      'matrix',
    )
    expect(plan.candidates.map((c) => [c.finding.kind, c.finding.status, c.line])).toEqual([
      ['crash', 'new', 12],
      ['heap-leak', 'new', 42],
      ['heap-leak', 'worsened', 40],
    ])
  })

  it('refuses a location a tampered report could carry: outside the repository, odd characters, no line', () => {
    const at = (file: string, line: number) =>
      finding(line, { site: { ...F.site('main.x', file, line), key: `${file}:${line}` } })
    const plan = reviewPlan(
      [
        {
          analysis: analysis([
            at(`${F.MODULE}/../../../etc/passwd`, 3),
            at(`${F.WORKSPACE}/../secrets.go`, 3),
            at(`${F.WORKSPACE}/cmd/api/main.go\n@@ -1 +1 @@`, 3),
            at(`${F.WORKSPACE}/cmd/api/main.go`, 0),
            at(`${F.WORKSPACE}/cmd/api/main.go`, 2.5),
            at('/etc/passwd', 3),
          ]),
          mapping: MAPPING,
        },
      ],
      'api',
    )
    expect(plan.candidates).toEqual([])
    expect(isSafeRepoPath('cmd/api/main.go')).toBe(true)
    for (const bad of ['', '/abs.go', 'a/../b.go', './a.go', 'a//b.go', 'a\\b.go', 'C:/x.go', 'a\tb'])
      expect(isSafeRepoPath(bad), bad).toBe(false)
  })
})

describe('syncReviewComments', () => {
  it('a leak on a changed line gets one review comment on that line, in one COMMENT review', async () => {
    const outcome = await sync([finding(42)])
    expect(outcome).toMatchObject({ action: 'done', created: 1, fileLevel: 0, updated: 0 })
    const [c] = comments()
    expect(c).toMatchObject({ path: 'cmd/api/main.go', line: 42, side: 'RIGHT', commit_id: HEAD })
    expect(c.body).toMatch(/^<!-- memleak-action-review:api heap-leak [0-9a-f]{12} -->\n/)
    expect(c.body).toContain('**❌ New heap leak: +412 B/req retained in `main.rememberResponse`')
    expect(c.body).toContain('**Fix:** A map that only grows: bound it (an LRU, a TTL)')
    expect(c.body).toContain(`[the full report](${REPORT_URL})`)
    const reviews = api.state.reviews.filter((r) => r.pull === pull)
    expect(reviews).toHaveLength(1)
    expect(reviews[0]).toMatchObject({ event: 'COMMENT', commit_id: HEAD, comments: [c.id] })
    expect(reviews[0].body).toContain('memleak-action found a leak on a line this pull request changes')
  })

  it('a second run edits the comment instead of adding one; an unchanged finding is not rewritten', async () => {
    await sync([finding(42)])
    const [first] = comments()
    const outcome = await sync([finding(42, { rate: 640 })])
    expect(outcome).toMatchObject({ created: 0, updated: 1 })
    expect(comments()).toHaveLength(1)
    expect(comments()[0].id).toBe(first.id)
    expect(comments()[0].body).toContain('+640 B/req')
    expect(api.state.reviews.filter((r) => r.pull === pull)).toHaveLength(1)

    const before = api.requests.length
    expect(await sync([finding(42, { rate: 640 })])).toMatchObject({ updated: 0, unchanged: 1 })
    expect(writes(before)).toEqual([])
  })

  it('a finding that moved keeps its comment and says where it is now', async () => {
    await sync([finding(42)])
    expect(await sync([finding(45)])).toMatchObject({ created: 0, updated: 1 })
    expect(comments()).toHaveLength(1)
    expect(comments()[0].body).toContain('Now at `cmd/api/main.go:45`.')
  })

  it('a fixing push marks it fixed and resolves its thread; later runs leave it alone', async () => {
    await sync([finding(42)])
    const outcome = await sync([], { headSha: FIXED_HEAD })
    expect(outcome).toMatchObject({ fixed: 1, resolved: 1, created: 0 })
    const [c] = comments()
    const [marker, status] = c.body.split('\n')
    expect(marker).toMatch(/^<!-- memleak-action-review:api heap-leak /)
    expect(status).toBe('✅ fixed in `feedfee`: this run measured head and no longer finds it.')
    expect(c.body).toContain('<details><summary>What was reported</summary>')
    expect(c.resolved).toBe(true)

    const before = api.requests.length
    expect(await sync([], { headSha: FIXED_HEAD })).toMatchObject({ fixed: 0 })
    expect(writes(before)).toEqual([])
  })

  it('where GraphQL is refused, the "fixed" edit alone is enough', async () => {
    await sync([finding(42)])
    api.setGraphqlRefused(true)
    expect(await sync([], { headSha: FIXED_HEAD })).toMatchObject({ action: 'done', fixed: 1, resolved: 0 })
    expect(comments()[0].body.split('\n')[1]).toMatch(/^✅ fixed in `feedfee`/)
    expect(comments()[0].resolved).toBe(false)
    expect(logged.join('\n')).toMatch(/Could not resolve the fixed review threads .*Resource not accessible/)
  })

  it('a leak returning after a fix brings its comment back', async () => {
    await sync([finding(42)])
    await sync([], { headSha: FIXED_HEAD })
    expect(await sync([finding(42)])).toMatchObject({ created: 0, updated: 1 })
    expect(comments()).toHaveLength(1)
    expect(comments()[0].body).toContain('New heap leak')
    expect(comments()[0].body).not.toContain('fixed in')
  })

  it('a leak outside the hunks falls back to a file-level comment; a file outside the PR gets none', async () => {
    const outside = finding(29)
    const notInPr = finding(7, {
      site: F.site('svc.Engine', `${F.WORKSPACE}/internal/svc/svc.go`, 7),
    })
    const outcome = await sync([outside, notInPr])
    expect(outcome).toMatchObject({ created: 0, fileLevel: 1, skipped: 1 })
    const [c] = comments()
    expect(c).toMatchObject({ path: 'cmd/api/main.go', line: null, subject_type: 'file', commit_id: HEAD })
    expect(c.body).toContain("At `cmd/api/main.go:29`, a line outside this pull request's diff.")
    // No review was sent with a line GitHub would refuse.
    expect(api.requests.filter((r) => r.path.endsWith(`/pulls/${pull}/reviews`))).toEqual([])
    expect(logged.join('\n')).toContain('internal/svc/svc.go:7: the file is not part of this pull request')
  })

  it('a 422 on the review is a reason to fall back, not a failure', async () => {
    // GitHub's diff moved on between listing the files and posting (a push in between).
    api.answerNext('POST', new RegExp(`/pulls/${pull}/reviews$`), 422, [
      "Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank",
    ])
    expect(await sync([finding(42)])).toMatchObject({ action: 'done', created: 1 })
    expect(comments()[0]).toMatchObject({ line: 42, subject_type: 'line' })

    pull++
    api.setPullFiles(OWNER, REPO, pull, pullFilesFromGit(repo.dir, repo.baseSha, repo.headSha))
    api.answerNext('POST', new RegExp(`/pulls/${pull}/reviews$`), 422, ['Line could not be resolved'])
    api.answerNext('POST', new RegExp(`/pulls/${pull}/comments$`), 422, [
      { resource: 'PullRequestReviewComment', code: 'custom', field: 'pull_request_review_thread.line' },
    ])
    expect(await sync([finding(42)])).toMatchObject({ action: 'done', created: 0, fileLevel: 1 })
    expect(comments()[0]).toMatchObject({ subject_type: 'file', line: null })
  })

  it('a token that may not write (403) is reported once as read-only, and nothing is written', async () => {
    api.setReadOnly(true)
    const outcome = await sync([finding(42)])
    expect(outcome).toMatchObject({ action: 'read-only', status: 403 })
    expect(comments()).toEqual([])
  })

  it('at most 10 comments a run, the most harmful first', async () => {
    const fresh = Array.from({ length: 9 }, (_, i) =>
      finding(33 + i, { site: F.site(`main.new${i}`, `${F.WORKSPACE}/cmd/api/main.go`, 33 + i) }),
    )
    const worse = [0, 1].map((i) =>
      finding(20 + i, {
        status: 'worsened',
        site: F.site(`main.worse${i}`, `${F.WORKSPACE}/cmd/api/main.go`, 20 + i),
      }),
    )
    const unknown = finding(24, {
      status: 'unknown',
      site: F.site('main.u', `${F.WORKSPACE}/cmd/api/main.go`, 24),
    })
    expect(await sync([unknown, ...worse, ...fresh])).toMatchObject({ created: 10 })
    const lines = comments()
      .map((c) => c.line)
      .sort((a, b) => a! - b!)
    expect(lines).toEqual([20, 33, 34, 35, 36, 37, 38, 39, 40, 41])
    // The one review carries them all: one notification.
    expect(api.state.reviews.filter((r) => r.pull === pull)).toHaveLength(1)
  })

  it('pre-existing leaks and a clean PR get no comment and no write', async () => {
    const before = api.requests.length
    expect(await sync([finding(42, { status: 'pre-existing' })])).toMatchObject({ created: 0, skipped: 0 })
    expect(await sync([])).toMatchObject({ created: 0, fixed: 0 })
    expect(writes(before)).toEqual([])
    expect(comments()).toEqual([])
  })

  it('finds its earlier comment on a later page, ignores replies and, with comment-author, lookalikes', async () => {
    const others = Array.from({ length: 130 }, (_, i) => ({
      body: `review ${i}`,
      path: 'cmd/api/main.go',
      line: 3,
    }))
    api.seedReviewComments(OWNER, REPO, pull, others)
    await sync([finding(42)])
    const ours = comments().find((c) => c.body.startsWith('<!-- memleak-action-review:'))!
    const [reply, lookalike] = api.seedReviewComments(OWNER, REPO, pull, [
      { body: `${ours.body.split('\n')[0]}\nquoted in a reply`, path: ours.path, inReplyTo: ours.id },
      { body: `${ours.body.split('\n')[0]}\nnot ours`, path: ours.path, line: 40, login: 'mallory' },
    ])
    expect(await sync([finding(42, { rate: 700 })], { author: 'github-actions[bot]' })).toMatchObject({
      created: 0,
      updated: 1,
    })
    const pages = api.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/pulls/${pull}/comments`))
    expect(pages.map((r) => r.query.page)).toContain('2')
    expect(comments().find((c) => c.id === ours.id)!.body).toContain('+700 B/req')
    expect(comments().find((c) => c.id === reply.id)!.body).toContain('quoted in a reply')
    expect(comments().find((c) => c.id === lookalike.id)!.body).toContain('not ours')
    // Fixed: only our comment is edited, the lookalike stays as its author wrote it.
    await sync([], { author: 'github-actions[bot]', headSha: FIXED_HEAD })
    expect(comments().find((c) => c.id === ours.id)!.body).toContain('✅ fixed in')
    expect(comments().find((c) => c.id === lookalike.id)!.body).toContain('not ours')
  })
})
