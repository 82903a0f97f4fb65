// The sticky comment over real HTTP: the real Octokit (retry, throttling,
// pagination, auth) against the local GitHub API stand-in.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createOctokit, type GitHubClient } from '../../src/github/octokit.js'
import { deleteComment, findComment, nextLink, upsertComment } from '../../src/github/comment.js'
import { renderMarkdown } from '../../src/report/markdown.js'
import { commentMarker } from '../../src/report/marker.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import * as F from '../report/fixtures.js'
import { toHtml, visibleText } from '../report/gfm.js'

const TOKEN = 'ghs_testTOKEN123'
const OWNER = 'octo'
const REPO = 'service'
const MARKER = commentMarker('api')

let api: GitHubApi
let octokit: GitHubClient
const quiet = { debug() {}, info() {}, warn() {}, error() {} }
let issue = 0

function client(extra: Parameters<typeof createOctokit>[1] = {}): GitHubClient {
  return createOctokit(TOKEN, {
    baseUrl: api.url,
    retryAfterBaseMs: 10,
    throttle: false,
    log: quiet,
    mask: null,
    ...extra,
  })
}

beforeAll(async () => {
  api = await startGitHubApi()
  octokit = client()
})
afterAll(async () => {
  await api.close()
})
beforeEach(() => {
  issue++
  api.setReadOnly(false)
})

const target = () => ({ owner: OWNER, repo: REPO, issueNumber: issue, marker: MARKER })

describe('upsertComment', () => {
  it('creates the comment on the first run and updates it on the second', async () => {
    const first = await upsertComment(octokit, { ...target(), body: `${MARKER}\nfirst` })
    expect(first).toMatchObject({ action: 'created' })
    const second = await upsertComment(octokit, { ...target(), body: `${MARKER}\nsecond` })
    expect(second).toMatchObject({ action: 'updated' })
    if (first.action === 'read-only' || second.action === 'read-only') throw new Error('unexpected')
    expect(second.id).toBe(first.id)
    expect(second.url).toMatch(/#issuecomment-\d+$/)
    const comments = api.comments(OWNER, REPO, issue)
    expect(comments).toHaveLength(1)
    expect(comments[0].body).toBe(`${MARKER}\nsecond`)
    // The token went with every request, as GitHub expects it.
    const mine = api.requests.filter(
      (r) => r.path.includes(`/issues/${issue}/`) || r.path.includes('/issues/comments/'),
    )
    expect(mine.length).toBeGreaterThanOrEqual(3)
    expect(mine.every((r) => r.headers.authorization === `token ${TOKEN}`)).toBe(true)
    expect(
      api.requests.some(
        (r) => r.method === 'PATCH' && r.path === `/repos/${OWNER}/${REPO}/issues/comments/${first.id}`,
      ),
    ).toBe(true)
  })

  it('finds its comment on page 2 of 150 others (100 per page) and does not duplicate it', async () => {
    api.seedComments(
      OWNER,
      REPO,
      issue,
      Array.from({ length: 120 }, (_, i) => `comment ${i}`),
    )
    const [ours] = api.seedComments(OWNER, REPO, issue, [
      { body: `${MARKER}\nold report`, login: 'github-actions[bot]' },
    ])
    api.seedComments(
      OWNER,
      REPO,
      issue,
      Array.from({ length: 30 }, (_, i) => `later ${i}`),
    )
    const before = api.requests.length
    const result = await upsertComment(octokit, { ...target(), body: `${MARKER}\nnew report` })
    expect(result).toMatchObject({ action: 'updated', id: ours.id })
    const gets = api.requests.slice(before).filter((r) => r.method === 'GET')
    expect(gets.map((r) => r.query)).toEqual([
      { per_page: '100', page: '1' },
      { per_page: '100', page: '2' },
    ])
    const comments = api.comments(OWNER, REPO, issue)
    expect(comments).toHaveLength(151)
    expect(comments.filter((c) => c.body.startsWith(MARKER))).toHaveLength(1)
  })

  it('looks at every page before creating', async () => {
    api.seedComments(
      OWNER,
      REPO,
      issue,
      Array.from({ length: 250 }, (_, i) => `comment ${i}`),
    )
    const before = api.requests.length
    expect(await upsertComment(octokit, { ...target(), body: `${MARKER}\nx` })).toMatchObject({
      action: 'created',
    })
    const pages = api.requests
      .slice(before)
      .filter((r) => r.method === 'GET')
      .map((r) => r.query.page)
    expect(pages).toEqual(['1', '2', '3'])
  })

  it('ignores a comment that quotes the marker anywhere but at its start, and other markers', async () => {
    api.seedComments(OWNER, REPO, issue, [
      `> ${MARKER}\n> quoted by a reviewer`,
      `see ${MARKER}`,
      `${commentMarker('other-service')}\nnot ours`,
    ])
    const result = await upsertComment(octokit, { ...target(), body: `${MARKER}\nreport` })
    expect(result.action).toBe('created')
    expect(api.comments(OWNER, REPO, issue).map((c) => c.body)).toEqual([
      `> ${MARKER}\n> quoted by a reviewer`,
      `see ${MARKER}`,
      `${commentMarker('other-service')}\nnot ours`,
      `${MARKER}\nreport`,
    ])
  })

  it('with an author, a comment someone else started with the marker is not ours', async () => {
    api.seedComments(OWNER, REPO, issue, [{ body: `${MARKER}\nforged`, login: 'mallory' }])
    const result = await upsertComment(octokit, {
      ...target(),
      body: `${MARKER}\nreal`,
      author: 'github-actions[bot]',
    })
    expect(result.action).toBe('created')
    expect(api.comments(OWNER, REPO, issue)[0].body).toBe(`${MARKER}\nforged`)
  })

  it('a read-only token (403 on write) is a result, not an exception', async () => {
    api.setReadOnly(true)
    const result = await upsertComment(octokit, { ...target(), body: `${MARKER}\nreport` })
    expect(result).toEqual({
      action: 'read-only',
      status: 403,
      message: expect.stringContaining('Resource not accessible by integration'),
    })
    expect(api.comments(OWNER, REPO, issue)).toHaveLength(0)
    // 403 is not retried.
    expect(
      api.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/issues/${issue}/comments`)),
    ).toHaveLength(1)
  })

  it('a read-only token on update is reported the same way', async () => {
    await upsertComment(octokit, { ...target(), body: `${MARKER}\nv1` })
    api.setReadOnly(true)
    expect(await upsertComment(octokit, { ...target(), body: `${MARKER}\nv2` })).toMatchObject({
      action: 'read-only',
      status: 403,
    })
    expect(api.comments(OWNER, REPO, issue)[0].body).toBe(`${MARKER}\nv1`)
  })

  it('retries 502 twice, then succeeds', async () => {
    const before = api.requests.length
    api.failNext(502, 2, 'Bad Gateway')
    const result = await upsertComment(octokit, { ...target(), body: `${MARKER}\nafter retries` })
    expect(result.action).toBe('created')
    const statuses = api.requests.slice(before).map((r) => `${r.method} ${r.status}`)
    expect(statuses).toEqual(['GET 502', 'GET 502', 'GET 200', 'POST 201'])
  })

  it('gives up after its retries and throws the server error', async () => {
    const c = client({ retries: 1 })
    const before = api.requests.length
    // One try and one retry: both fail.
    api.failNext(503, 2, 'Service Unavailable')
    await expect(upsertComment(c, { ...target(), body: `${MARKER}\nx` })).rejects.toMatchObject({
      status: 503,
    })
    expect(api.requests.slice(before).map((r) => r.status)).toEqual([503, 503])
  })

  it('retries with the throttling plugin on too', async () => {
    const c = client({ throttle: {} })
    const before = api.requests.length
    api.failNext(502, 1)
    expect(await upsertComment(c, { ...target(), body: `${MARKER}\nthrottled` })).toMatchObject({
      action: 'created',
    })
    expect(api.requests.slice(before).map((r) => r.status)).toEqual([502, 200, 201])
  })

  it('times out a request that hangs, and says which', async () => {
    const { createServer } = await import('node:http')
    const hanging = createServer(() => {
      /* never answers */
    })
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r))
    const port = (hanging.address() as { port: number }).port
    try {
      const c = createOctokit(TOKEN, {
        baseUrl: `http://127.0.0.1:${port}`,
        timeoutMs: 200,
        retries: 0,
        throttle: false,
        log: quiet,
        mask: null,
      })
      const started = Date.now()
      await expect(upsertComment(c, { ...target(), body: `${MARKER}\nx` })).rejects.toThrow(
        /timed out after 200 ms: GET \/repos\/octo\/service\/issues\/\d+\/comments/,
      )
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      hanging.closeAllConnections()
      await new Promise((r) => hanging.close(r))
    }
  })

  it('refuses a body that does not start with the marker or is over 65,536 characters', async () => {
    await expect(upsertComment(octokit, { ...target(), body: 'no marker' })).rejects.toThrow(
      /must start with its marker/,
    )
    await expect(upsertComment(octokit, { ...target(), body: MARKER + 'x'.repeat(65_536) })).rejects.toThrow(
      /at most 65536/,
    )
  })

  it('posts a 70,000-character report capped under 65,536 with a note, tables intact, hostile names escaped', async () => {
    const a = F.regressionAnalysis()
    const evil = '@org/team <img src=x onerror=alert(1)> | `x` <!-- memleak-action:api -->'
    a.growing = Array.from({ length: 300 }, (_, i) =>
      F.change(
        F.site(
          `${evil} github.com/acme/shop/internal/p${i}.(*Encoder).encode${'Field'.repeat(12)}`,
          `${F.WORKSPACE}/internal/p${i}/e.go`,
          i + 1,
          [...Array.from({ length: 30 }, (_, j) => `frame${j} ${'y'.repeat(80)}`)],
        ),
        100,
        300,
      ),
    )
    a.findings = Array.from({ length: 30 }, (_, i) => ({
      ...F.heapLeakFinding(),
      summary: `${evil} finding ${i}`,
      site: F.site(
        `${evil}${i}`,
        `${F.WORKSPACE}/x${i}.go`,
        1,
        Array.from({ length: 32 }, (_, j) => `f${j} ${'z'.repeat(120)}`),
      ),
    }))
    a.verdict = { leak: true, newLeak: true, regression: true }
    const report = F.report(a, ['new leak'], { commentId: 'api' })
    expect(renderMarkdown(report, { maxChars: 10_000_000 }).length).toBeGreaterThan(70_000)
    const body = renderMarkdown(report)
    const result = await upsertComment(octokit, { ...target(), body })
    expect(result.action).toBe('created')
    const [posted] = api.comments(OWNER, REPO, issue)
    expect(Array.from(posted.body).length).toBeLessThanOrEqual(65_536)
    expect(posted.body).toContain("Shortened to fit GitHub's size limit")
    const html = toHtml(posted.body)
    for (const table of html.match(/<table>[\s\S]*?<\/table>/g) ?? []) {
      const widths = new Set(
        (table.match(/<tr>[\s\S]*?<\/tr>/g) ?? []).map((r) => (r.match(/<t[hd][ >]/g) ?? []).length),
      )
      expect(widths.size).toBe(1)
    }
    expect(html).not.toMatch(/<img\b/)
    expect(html.match(/<!--/g)).toHaveLength(1)
    // Shown as text, not as a tag: in the function names (a heap leak's summary sentence is not rendered).
    expect(visibleText(html)).toContain('team <img src=x onerror=alert(1)>')
    // The next run still finds it by the marker.
    expect(await findComment(octokit, target())).toMatchObject({ id: posted.id })
  })
})

describe('deleteComment', () => {
  it('deletes our comment and reports absent the second time', async () => {
    await upsertComment(octokit, { ...target(), body: `${MARKER}\nbye` })
    api.seedComments(OWNER, REPO, issue, ['keep me'])
    expect(await deleteComment(octokit, target())).toMatchObject({ action: 'deleted' })
    expect(api.comments(OWNER, REPO, issue).map((c) => c.body)).toEqual(['keep me'])
    expect(await deleteComment(octokit, target())).toEqual({ action: 'absent' })
  })

  it('a read-only token is a result', async () => {
    await upsertComment(octokit, { ...target(), body: `${MARKER}\nstays` })
    api.setReadOnly(true)
    expect(await deleteComment(octokit, target())).toMatchObject({ action: 'read-only', status: 403 })
    expect(api.comments(OWNER, REPO, issue)).toHaveLength(1)
  })
})

describe('nextLink', () => {
  it('reads rel="next" from a Link header', () => {
    expect(
      nextLink(
        '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"',
      ),
    ).toBe('https://api.github.com/x?page=2')
    expect(nextLink('<https://api.github.com/x?page=1>; rel="prev"')).toBeUndefined()
    expect(nextLink(undefined)).toBeUndefined()
  })
})

describe('createOctokit', () => {
  it('refuses an empty token by its input name and masks a real one', () => {
    expect(() => createOctokit('', { mask: null })).toThrow(/^github-token: empty/)
    const masked: string[] = []
    createOctokit(TOKEN, { baseUrl: api.url, mask: (s) => masked.push(s), log: quiet })
    expect(masked).toEqual([TOKEN])
  })
})
