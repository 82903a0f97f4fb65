// The seed's four causes on real Go services, each as one finding whose headline
// names the cause and the service's own line; and a PR that fixes base's leak says so.
// The comments' skeletons (headings, headline, finding titles; numbers masked) are
// golden: UPDATE_GOLDEN=1 rewrites them, and the diff is read before committing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { FIXTURES_DIR } from '../support/fixture-repo.js'
import { prRun, type PrRun } from '../support/pr-run.js'
import { DIST_INDEX } from '../support/run-action.js'

const GOLDEN_DIR = join(import.meta.dirname, 'golden')
const LEAK_KINDS = ['heap-leak', 'goroutine-leak', 'connection-leak', 'rss-growth', 'crash']

/** The line of a fixture's main.go that holds `text` (1-based). */
function lineOf(fixture: string, text: string): number {
  const lines = readFileSync(join(FIXTURES_DIR, fixture, 'main.go'), 'utf8').split('\n')
  const i = lines.findIndex((l) => l.includes(text))
  if (i < 0) throw new Error(`${fixture}/main.go has no line with ${text}`)
  return i + 1
}

/** What a reviewer reads first, with the numbers of one run masked. */
function skeleton(comment: string): string {
  return (
    comment
      .split('\n')
      .filter((l) => /^#{3,4} |^\*\*(❌|ℹ️|✅|⚠️)|^- ✅ /.test(l))
      .map((l) =>
        l
          .replace(/\. On base: .*$/, '. On base: …')
          .replace(/\]\([^)]*\)/g, ']')
          .replace(/`[0-9a-f]{7}`/g, '`SHA`')
          .replace(/\d+(\.\d+)?/g, '#'),
      )
      .join('\n') + '\n'
  )
}

function expectSkeleton(name: string, run: PrRun): void {
  const path = join(GOLDEN_DIR, `${name}.md`)
  const text = skeleton(run.comment)
  // For reading whole comments by eye: E2E_COMMENTS_DIR=/tmp/c npx vitest run test/e2e/diagnosis.test.ts
  const dump = process.env.E2E_COMMENTS_DIR
  if (dump) {
    mkdirSync(dump, { recursive: true })
    writeFileSync(join(dump, `${name}.md`), run.comment)
  }
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    mkdirSync(GOLDEN_DIR, { recursive: true })
    writeFileSync(path, text)
    return
  }
  expect(text, `${name}.md differs; UPDATE_GOLDEN=1 rewrites it\n${run.comment.slice(0, 3000)}`).toBe(
    readFileSync(path, 'utf8'),
  )
}

function onlyLeak(run: PrRun) {
  const leaks = run.report.analysis.findings.filter((f) => LEAK_KINDS.includes(f.kind))
  const named = leaks.map((f) => `${f.kind} ${f.site.key} (${f.status})`)
  expect(named, `one cause, one finding: ${named.join('; ')}`).toHaveLength(1)
  return leaks[0]
}

describe.runIf(existsSync(DIST_INDEX))("the seed's causes, one finding each (node dist/index.js)", () => {
  let api: GitHubApi
  beforeAll(async () => {
    api = await startGitHubApi()
  })
  afterAll(() => api.close())

  it('a global map cache: a heap leak at the line that allocates what the map keeps', async () => {
    const run = await prRun(api, 'healthy', 'mapcache', 41)
    const f = onlyLeak(run)
    expect(f.kind).toBe('heap-leak')
    expect(f.site.ownFrame).toMatchObject({ function: 'main.rememberResponse' })
    const line = lineOf('mapcache', 'entry := make(')
    expect(run.comment).toMatch(
      new RegExp(
        `^### ❌ New heap leak: .* retained in \`main\\.rememberResponse\` \\(main\\.go:${line}\\)`,
        'm',
      ),
    )
    expect(run.outputs).toMatchObject({ leak: 'true', 'new-leak': 'true' })
    expect(run.code).toBe(1)
    // The failed step's one-line reason, and an annotation on the leaking line.
    expect(run.stdout).toMatch(/^::error::.*leak/im)
    expect(run.stdout).toMatch(/^::error .*file=cmd\/api\/main\.go,line=\d+::main\.rememberResponse/m)
    expectSkeleton('mapcache', run)
  }, 180_000)

  it('goroutines blocked on a channel: a goroutine leak at the send, not a runtime heap site', async () => {
    const run = await prRun(api, 'healthy', 'goroutineleak', 42, { env: 'LEAK_EVERY=10' })
    const f = onlyLeak(run)
    expect(f.kind).toBe('goroutine-leak')
    const line = lineOf('goroutineleak', 'results <- ')
    expect(run.comment).toMatch(
      new RegExp(
        `^### ❌ New goroutine leak: .* stuck in \`main\\.startWorker\\.func1\` \\(main\\.go:${line}\\)`,
        'm',
      ),
    )
    // The goroutines' stacks count: the cause costs more than its sampled heap.
    expect(Number(f.details.harmPerRequest)).toBeGreaterThan(Number(f.details.heapRetainedPerRequest ?? 0))
    expect(f.status).toBe('new')
    expect(JSON.stringify(f.details)).toContain('chan send')
    expect(run.outputs).toMatchObject({ leak: 'true', 'new-leak': 'true' })
    expect(run.code).toBe(1)
    expect(run.comment).toContain('chan send')
    expectSkeleton('goroutineleak', run)
  }, 180_000)

  it('response bodies never closed: one connection leak at the request, its goroutines and heap inside it', async () => {
    const run = await prRun(api, 'healthy', 'bodyleak', 43, { env: 'LEAK_EVERY=10' })
    const f = onlyLeak(run)
    expect(f.kind).toBe('connection-leak')
    const line = lineOf('bodyleak', 'upstreamClient.Get(')
    expect(run.comment).toMatch(
      new RegExp(
        `^### ❌ New connection leak: response body not closed: .* left open by \`main\\.fetchUpstream\` \\(main\\.go:${line}\\)`,
        'm',
      ),
    )
    expect(run.comment).toMatch(/\*\*Also:\*\* .*heap/)
    expect(f.hint).toMatch(/Body\.Close/)
    expect(run.outputs['new-leak']).toBe('true')
    expectSkeleton('bodyleak', run)
  }, 180_000)

  it('memory outside the Go heap: one RSS finding, named as such, near the mmap call', async () => {
    const run = await prRun(api, 'healthy', 'offheap', 44)
    const f = onlyLeak(run)
    expect(f.kind).toBe('rss-growth')
    const line = lineOf('offheap', 'unix.MmapPtr(')
    expect(f.site.ownFrame).toMatchObject({ function: 'main.mapScratch', line })
    expect(run.comment).toMatch(
      new RegExp(
        `^### ❌ New memory outside the Go heap: \\+[\\d.]+ KiB/req of RSS, near \`main\\.mapScratch\` \\(main\\.go:${line}\\) via \`unix\\.MmapPtr\``,
        'm',
      ),
    )
    expectSkeleton('offheap', run)
  }, 180_000)

  it("a PR that closes base's leaking bodies says it fixes base's connection leak", async () => {
    const run = await prRun(api, 'bodyleak', 'healthy', 45, { env: 'LEAK_EVERY=10' })
    expect(run.report.analysis.verdict).toMatchObject({ leak: false, newLeak: false })
    expect(run.code).toBe(0)
    const line = lineOf('bodyleak', 'upstreamClient.Get(')
    expect(run.report.analysis.fixed?.map((f) => f.kind)).toEqual(['connection-leak'])
    expect(run.comment).toMatch(
      new RegExp(`^### ✅ Fixes base's connection leak at \`main\\.go:${line}\``, 'm'),
    )
    expectSkeleton('fixes-bodyleak', run)
  }, 180_000)
})
