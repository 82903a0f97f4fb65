// Review comments end to end, as a runner runs the action (node dist/index.js):
// one pull request, pushed to three times, measured each time with real Gin
// services; the stand-in's pull request files are the repository's real
// `git diff base head`. Then the fork-safe `comment` mode posting them from a
// report artifact, which is untrusted input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { FIXTURES_DIR, git, makeFixtureRepo, type FixtureRepo } from '../support/fixture-repo.js'
import { pullFilesFromGit, startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { prRunOn, TOKEN } from '../support/pr-run.js'
import { DIST_INDEX, runAction } from '../support/run-action.js'

const OWNER = 'octo'
const REPO = 'service'
const MARKER = /^<!-- memleak-action-review:memleak:\.:\.\/cmd\/api heap-leak [0-9a-f]{12} -->$/

describe.runIf(existsSync(DIST_INDEX))('review comments (node dist/index.js)', () => {
  let api: GitHubApi
  let repo: FixtureRepo
  let root: string

  beforeAll(async () => {
    api = await startGitHubApi()
    repo = makeFixtureRepo('healthy', 'mapcache')
    root = mkdtempSync(join(tmpdir(), 'memleak-review-'))
  })
  afterAll(async () => {
    await api.close()
    repo.remove()
    rmSync(root, { recursive: true, force: true })
  })

  /** A push to the PR: the stand-in lists the files of `git diff base head`, the action measures head. */
  async function push(number: number, headSha: string) {
    api.setPullFiles(OWNER, REPO, number, pullFilesFromGit(repo.dir, repo.baseSha, headSha))
    const before = api.requests.length
    const run = await prRunOn(api, { ...repo, headSha }, number)
    return { ...run, requests: api.requests.slice(before) }
  }
  const reviewPosts = (requests: typeof api.requests) =>
    requests.filter((r) => r.method === 'POST' && /\/pulls\/\d+\/(reviews|comments)$/.test(r.path))

  it('the leaking line gets exactly one review comment after two runs, marked fixed by the push that fixes it', async () => {
    const pr = 31
    const first = await push(pr, repo.headSha)
    expect(first.code, first.stdout.slice(-2000)).toBe(1)
    const leak = first.report.analysis.findings.find((f) => f.kind === 'heap-leak' && f.status === 'new')!
    expect(leak.site.ownFrame?.function).toBe('main.rememberResponse')
    const line = leak.site.ownFrame!.line
    // The line the comment goes on is the PR's own line that allocates what leaks.
    const source = readFileSync(join(repo.dir, 'cmd/api/main.go'), 'utf8').split('\n')
    expect(source[line - 1]).toContain('make([]byte, leakBytes)')

    const second = await push(pr, repo.headSha)
    expect(second.code).toBe(first.code)
    // mapcache leaks on two of its lines (the entry, and the key built in currentTime): one comment each.
    const comments = api.reviewComments(OWNER, REPO, pr)
    const lines = comments.map((c) => c.line)
    expect(new Set(lines).size).toBe(lines.length)
    const onLine = comments.filter((c) => c.line === line)
    expect(onLine).toHaveLength(1)
    const [c] = onLine
    expect(c).toMatchObject({ path: 'cmd/api/main.go', side: 'RIGHT', commit_id: repo.headSha })
    const [marker, title] = c.body.split('\n')
    expect(marker).toMatch(MARKER)
    // The cause (what grows, where, how fast) and the fix, and the way to the whole report.
    expect(title).toMatch(/^\*\*❌ New heap leak: \+[\d.]+ (B|KiB)\/req retained in `main\.rememberResponse`/)
    expect(c.body).toMatch(/\*\*Fix:\*\* .*(bound it|evict|remove the entries)/i)
    const sticky = api.comments(OWNER, REPO, pr)
    expect(sticky).toHaveLength(1)
    expect(c.body).toContain(`[the full report](${sticky[0].html_url})`)
    // One review, one notification; the second run edited instead of posting again.
    expect(reviewPosts(first.requests).map((r) => r.path)).toEqual([
      `/repos/octo/service/pulls/${pr}/reviews`,
    ])
    const posted = (requests: typeof api.requests) =>
      reviewPosts(requests).flatMap((r) => {
        const body = r.body as { comments?: { line?: number }[]; line?: number }
        return body.comments ?? [body]
      })
    expect(posted(first.requests).map((p) => p.line)).toContain(line)
    expect(posted(second.requests).map((p) => p.line)).not.toContain(line)

    // The fix: the entry is no longer kept in the cache.
    const file = join(repo.dir, 'cmd/api/main.go')
    writeFileSync(file, readFileSync(file, 'utf8').replace('\tcache[key] = entry\n', ''))
    git(repo.dir, 'commit', '-qam', 'fix: do not keep every response')
    const fixedHead = git(repo.dir, 'rev-parse', 'HEAD')
    const third = await push(pr, fixedHead)
    expect(third.outputs.leak, third.stdout.slice(-2000)).toBe('false')
    const after = api.reviewComments(OWNER, REPO, pr).find((x) => x.id === c.id)!
    expect(after.body.split('\n')[0]).toBe(marker)
    expect(after.body.split('\n')[1]).toBe(
      `✅ fixed in \`${fixedHead.slice(0, 7)}\`: this run measured head and no longer finds it.`,
    )
    expect(after.resolved).toBe(true)
    expect(posted(third.requests)).toEqual([])
  }, 400_000)

  it("a fork's read-only token: one warning, no review comment, the same exit code", async () => {
    const pr = 32
    api.setReadOnly(true)
    try {
      git(repo.dir, 'checkout', '-q', repo.headSha)
      const run = await push(pr, repo.headSha)
      expect(run.code).toBe(1)
      expect(run.outputs).toMatchObject({ leak: 'true', 'new-leak': 'true' })
      const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning::'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(/The token cannot write to this pull request \(HTTP 403/)
      expect(api.reviewComments(OWNER, REPO, pr)).toEqual([])
      expect(reviewPosts(run.requests)).toEqual([])
    } finally {
      api.setReadOnly(false)
    }
  }, 200_000)

  describe('mode comment (the fork-safe pair) posts them from the validated report', () => {
    const report = () =>
      JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/reports/api-leak.json'), 'utf8'))
    const HEAD: string = report().meta.headSha
    let tampered = 50

    /** The repository the fixture report measured: services/api is healthy on base, mapcache on head. */
    function servicesRepo(): { dir: string; base: string; head: string } {
      const dir = mkdtempSync(join(root, 'repo-'))
      git(dir, 'init', '-q', '-b', 'main')
      mkdirSync(join(dir, 'services/api'), { recursive: true })
      writeFileSync(join(dir, 'services/api/main.go'), readFileSync(join(FIXTURES_DIR, 'healthy/main.go')))
      git(dir, 'add', '-A')
      git(dir, 'commit', '-qm', 'base')
      const base = git(dir, 'rev-parse', 'HEAD')
      writeFileSync(join(dir, 'services/api/main.go'), readFileSync(join(FIXTURES_DIR, 'mapcache/main.go')))
      git(dir, 'commit', '-qam', 'head')
      return { dir, base, head: git(dir, 'rev-parse', 'HEAD') }
    }

    async function commentRun(pr: number, edit: (r: ReturnType<typeof report>) => void = () => {}) {
      const src = servicesRepo()
      api.setPullFiles(OWNER, REPO, pr, pullFilesFromGit(src.dir, src.base, src.head))
      const r = report()
      r.meta.pullRequest = pr
      edit(r)
      const dir = mkdtempSync(join(root, 'artifact-'))
      writeFileSync(join(dir, 'report.json'), JSON.stringify(r))
      const event = join(dir, 'event.json')
      writeFileSync(
        event,
        JSON.stringify({
          repository: { full_name: 'octo/service' },
          workflow_run: { id: 556, event: 'pull_request', head_sha: HEAD, pull_requests: [{ number: pr }] },
        }),
      )
      const before = api.requests.length
      const run = await runAction({
        workspace: src.dir,
        apiUrl: api.url,
        inputs: { 'github-token': TOKEN, mode: 'comment', 'report-path': join(dir, 'report.json') },
        env: { GITHUB_EVENT_NAME: 'workflow_run', GITHUB_EVENT_PATH: event, GITHUB_JOB: 'comment' },
        timeoutMs: 30_000,
      })
      return { ...run, requests: api.requests.slice(before) }
    }

    it("posts on the report's line, on the commit the triggering run measured", async () => {
      const run = await commentRun(41)
      expect(run.code, run.stdout).toBe(1)
      const [c, ...rest] = api.reviewComments(OWNER, REPO, 41)
      expect(rest).toEqual([])
      expect(c).toMatchObject({
        path: 'services/api/main.go',
        line: 42,
        commit_id: HEAD,
        subject_type: 'line',
      })
      // This job's comment id scopes the marker, not the artifact's.
      expect(c.body).toMatch(/^<!-- memleak-action-review:comment:\.:\. heap-leak [0-9a-f]{12} -->\n/)
      expect(c.body).toContain('rememberResponse')
    })

    it('a token the reviews endpoint refuses (403): one warning, the sticky comment and the exit code stand', async () => {
      const lift = api.forbid('POST', /\/pulls\/\d+\/(reviews|comments)$/)
      try {
        const run = await commentRun(45)
        expect(run.code, run.stdout).toBe(1)
        const warnings = run.stdout.split('\n').filter((l) => l.startsWith('::warning::'))
        expect(warnings).toEqual([
          expect.stringMatching(/^::warning::The token cannot write review comments \(HTTP 403/),
        ])
        expect(api.comments(OWNER, REPO, 45)).toHaveLength(1)
        expect(api.reviewComments(OWNER, REPO, 45)).toEqual([])
      } finally {
        lift()
      }
    })

    it.each([
      [
        'a path that leaves the repository',
        (r: ReturnType<typeof report>) => {
          r.analysis.findings[0].site.ownFrame.file = 'example.com/fixtures/../../../../etc/passwd'
        },
      ],
      [
        'line 0',
        (r: ReturnType<typeof report>) => {
          r.analysis.findings[0].site.ownFrame.line = 0
        },
      ],
    ])(
      'a tampered location (%s) gets no review comment; the sticky comment and the verdict stand',
      async (_, edit) => {
        const pr = ++tampered
        const run = await commentRun(pr, edit)
        expect(run.code, run.stdout).toBe(1)
        expect(api.comments(OWNER, REPO, pr)).toHaveLength(1)
        expect(api.reviewComments(OWNER, REPO, pr)).toEqual([])
        expect(reviewPosts(run.requests)).toEqual([])
      },
    )
  })
})
