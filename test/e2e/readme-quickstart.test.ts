// The README's promise: a Go developer pastes its quick start into a Gin
// service's repository and gets a comment on the first try. The step's inputs
// are read from the README's workflow as written (only the load is shortened and
// the port picked free, so the test is quick and shares the machine); the service
// is examples/gin-service with its main package where the snippet's `package`
// says, and the PR adds the demo's global-map cache. The action runs as a runner
// runs it (node dist/index.js) against the local GitHub REST stand-in.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { git } from '../support/fixture-repo.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { DIST_INDEX, freePort, processesMentioning, runAction } from '../support/run-action.js'
import { TOKEN } from '../support/pr-run.js'

const root = resolve(import.meta.dirname, '../..')
const GIN = join(root, 'examples/gin-service')

interface Step {
  uses?: string
  with?: Record<string, unknown>
}

/** The `with:` of the action's step in the README's quick-start workflow. */
function quickStartInputs(): Record<string, string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const quick = readme.slice(readme.indexOf('## Quick start'))
  const block = /```yaml\n([\s\S]*?)```/.exec(quick)![1]!
  const doc = parse(block) as { jobs: Record<string, { steps: Step[] }> }
  const steps = Object.values(doc.jobs).flatMap((j) => j.steps)
  expect(steps.find((s) => s.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth']).toBe(0)
  const ours = steps.find((s) => /memleak-action@/.test(s.uses ?? ''))
  return Object.fromEntries(Object.entries(ours?.with ?? {}).map(([k, v]) => [k, String(v)]))
}

describe.runIf(existsSync(DIST_INDEX))("the README's quick start on a Gin service", () => {
  let api: GitHubApi
  let work: string
  beforeAll(async () => {
    api = await startGitHubApi()
    work = mkdtempSync(join(tmpdir(), 'memleak-quickstart-'))
  })
  afterAll(async () => {
    await api.close()
    rmSync(work, { recursive: true, force: true })
  })

  it('posts a comment naming the leak the PR adds, on the first run', async () => {
    const inputs = quickStartInputs()
    expect(inputs.package).toBeTruthy()
    expect(inputs.requests).toContain('GET /time')

    // A repository laid out as the snippet assumes: the module at the root, main at `package`.
    const repo = join(work, 'repo')
    const main = join(repo, inputs.package!)
    mkdirSync(main, { recursive: true })
    for (const f of ['go.mod', 'go.sum']) cpSync(join(GIN, f), join(repo, f))
    cpSync(join(GIN, 'main.go'), join(main, 'main.go'))
    git(repo, 'init', '-q', '-b', 'main')
    git(repo, 'add', '-A')
    git(repo, 'commit', '-qm', 'base: the Gin service')
    const baseSha = git(repo, 'rev-parse', 'HEAD')
    cpSync(join(GIN, 'demo-head/main.go'), join(main, 'main.go'))
    git(repo, 'commit', '-qam', 'head: cache every response')
    const headSha = git(repo, 'rev-parse', 'HEAD')

    const run = await runAction({
      workspace: repo,
      apiUrl: api.url,
      pullRequest: { number: 18, baseSha, headSha },
      inputs: {
        ...inputs,
        duration: '5s',
        warmup: '1s',
        snapshots: '4',
        port: String(await freePort()),
        'github-token': TOKEN,
      },
    })
    expect(processesMentioning(repo)).toEqual([])
    expect(processesMentioning(run.runnerTemp)).toEqual([])
    rmSync(run.runnerTemp, { recursive: true, force: true })

    const comments = api.comments('octo', 'service', 18)
    expect(comments, run.stdout.slice(-3000)).toHaveLength(1)
    const body = comments[0]!.body
    expect(body).toMatch(/^<!-- memleak-action:/)
    expect(body).toContain('New heap leak')
    expect(body).toContain('main.rememberResponse')
    expect(body).toContain(`\`${inputs.package}\` · base \``)
    expect(body).not.toContain('No verdict')
    // The PR adds a leak: the step fails under the default fail-on, as a required check would.
    expect(run.code).toBe(1)
    expect(run.outputs['new-leak']).toBe('true')
  }, 240_000)
})
