// The workflows users copy (examples/*, the YAML of the README and docs/) and the
// ones this repository runs must parse, and may only use inputs and outputs
// action.yml declares: a renamed input would otherwise break every copy silently
// (the runner only warns about an unexpected input). What users copy must also be
// safe to paste: no token left in the checkout the PR's code runs in, permissions
// granted per job, and the current major versions of the actions it uses.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'
import { docYamlBlocks } from './yaml-blocks.js'
import { parseHttpFile } from '../../src/load/http-file.js'

const root = join(import.meta.dirname, '../..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

interface ActionYml {
  inputs: Record<string, { default?: string }>
  outputs: Record<string, unknown>
}
const action = parse(read('action.yml')) as ActionYml
const inputNames = new Set(Object.keys(action.inputs))
const outputNames = new Set(Object.keys(action.outputs))
const modes = ['full', 'analyze', 'comment', 'aggregate']
/** How users refer to the action in what they copy; one spelling everywhere, so a rename is one edit. */
const published = 'org/memleak-action@v1'

interface Step {
  id?: string
  uses?: string
  with?: Record<string, unknown>
}

/** Every step of every job, or of a bare step list (the README shows fragments). */
function stepsOf(doc: unknown): Step[] {
  if (Array.isArray(doc)) return doc as Step[]
  const jobs = (doc as { jobs?: Record<string, { steps?: Step[] }> } | null)?.jobs ?? {}
  return Object.values(jobs).flatMap((job) => job.steps ?? [])
}

/** The current major of each action we show, checked in their repositories: each runs on node24. */
const CURRENT_MAJOR: Record<string, string> = {
  'actions/checkout': 'v7',
  'actions/setup-go': 'v7',
  'actions/setup-node': 'v7',
  'actions/upload-artifact': 'v7',
  'actions/download-artifact': 'v8',
}

interface Job {
  permissions?: Record<string, string>
  steps?: Step[]
}

/** Problems that make a workflow unsafe or stale to paste. */
function unsafe(doc: unknown): string[] {
  const found: string[] = []
  const workflow = doc as { permissions?: unknown; jobs?: Record<string, Job> } | null
  for (const [name, job] of Object.entries(workflow?.jobs ?? {})) {
    const runsPrCode = (job.steps ?? []).some((s) => s.uses?.startsWith('actions/checkout@'))
    if (runsPrCode && workflow?.permissions && Object.keys(workflow.permissions).length > 0)
      found.push(`job ${name}: permissions belong to the job, not the workflow`)
    if (!job.permissions) found.push(`job ${name}: no job-level permissions`)
  }
  for (const step of stepsOf(doc)) {
    const [action, version] = (step.uses ?? '').split('@')
    if (action && CURRENT_MAJOR[action] && version !== CURRENT_MAJOR[action])
      found.push(`${step.uses}: the current major is ${CURRENT_MAJOR[action]}`)
    if (action === 'actions/checkout' && step.with?.['persist-credentials'] !== false)
      found.push('actions/checkout without persist-credentials: false leaves the token in the checkout')
  }
  return found
}

const isOurs = (step: Step): boolean => step.uses === './' || /(^|\/)memleak-action@/.test(step.uses ?? '')

/** Problems with how a workflow uses the action: unknown inputs or outputs, a bad mode. */
function problems(text: string): string[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true })
  const found: string[] = []
  for (const doc of docs) {
    if (doc.errors.length > 0) found.push(...doc.errors.map((e) => `YAML: ${e.message}`))
    const steps = stepsOf(doc.toJS())
    const ids = new Set<string>()
    for (const step of steps.filter(isOurs)) {
      if (step.id) ids.add(step.id)
      const inputs = step.with ?? {}
      for (const name of Object.keys(inputs))
        if (!inputNames.has(name)) found.push(`unknown input \`${name}\` (uses: ${step.uses})`)
      const mode = String(inputs.mode ?? 'full')
      if (!modes.includes(mode)) found.push(`unknown mode \`${mode}\``)
    }
    for (const [, id, output] of text.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g))
      if (ids.has(id) && !outputNames.has(output)) found.push(`unknown output \`${output}\` of step ${id}`)
  }
  return found
}

const exampleDirs = readdirSync(join(root, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => `examples/${entry.name}`)

describe('example workflows', () => {
  it('there is a plain net/http, a Gin and a Postgres-backed example', () => {
    expect(exampleDirs).toEqual(
      expect.arrayContaining([
        'examples/net-http-service',
        'examples/gin-service',
        'examples/postgres-service',
      ]),
    )
  })

  it('the Postgres example runs the database as a service container and resets it before each side', () => {
    const doc = parse(read('examples/postgres-service/.github/workflows/memleak.yml')) as {
      jobs: Record<string, { services?: Record<string, { image: string }>; steps: Step[] }>
    }
    const job = Object.values(doc.jobs)[0]!
    expect(job.services?.postgres?.image).toMatch(/^postgres:/)
    const step = job.steps.find(isOurs)!
    expect(step.with).toMatchObject({
      'requests-file': 'load/api.http',
      'setup-command': expect.stringContaining('psql'),
    })
    expect(String(step.with?.args)).toContain('${PORT}')
    const requests = parseHttpFile(read('examples/postgres-service/load/api.http'), 'api.http')
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /users/{{$randomInt 1 1001}}',
      'POST /users',
    ])
  })

  for (const dir of exampleDirs) {
    const workflow = `${dir}/.github/workflows/memleak.yml`
    it(`${workflow} parses, runs on pull requests, and uses only what action.yml declares`, () => {
      expect(existsSync(join(root, workflow)), `${workflow} is missing`).toBe(true)
      const text = read(workflow)
      expect(problems(text)).toEqual([])
      const doc = parse(text) as { on: unknown; jobs: Record<string, Job> }
      expect(JSON.stringify(doc.on)).toContain('pull_request')
      expect(unsafe(doc)).toEqual([])
      const job = Object.values(doc.jobs).find((j) => (j.steps ?? []).some(isOurs))
      expect(job?.permissions?.['pull-requests']).toBe('write')
      const ours = stepsOf(doc).filter(isOurs)
      expect(ours.length).toBeGreaterThan(0)
      for (const step of ours) expect(step.uses).toBe(published)
      // actions/checkout fetches one commit by default: base would be missing.
      const checkout = stepsOf(doc).find((s) => s.uses?.startsWith('actions/checkout@'))
      expect(checkout?.with?.['fetch-depth']).toBe(0)
    })

    it(`${dir}/README.md points at its workflow`, () => {
      expect(read(`${dir}/README.md`)).toContain('.github/workflows/memleak.yml')
    })
  }
})

describe('README and docs YAML', () => {
  const blocks = docYamlBlocks()
    .map((b) => b.block)
    .filter((block) => block.includes('memleak-action'))

  it('the README has the quick start: safe to paste', () => {
    const quick = [...read('README.md').matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]!)
    const workflow = quick.find((b) => b.includes('on: pull_request'))
    expect(workflow).toBeDefined()
    expect(unsafe(parse(workflow!))).toEqual([])
  })

  it('every workflow and step list is safe to paste', () => {
    const found = docYamlBlocks()
      .filter((b) => /^(jobs:|- )/m.test(b.block))
      .flatMap((b) => unsafe(parse(b.block)).map((p) => `${b.page}: ${p}`))
    expect(found).toEqual([])
  })

  it('has the quick start, the fork-safe pair, the OS matrix and the aggregate matrix', () => {
    const all = blocks.join('\n')
    expect(all).toContain('workflow_run')
    expect(all).toContain('mode: aggregate')
    expect(all).toContain('macos-latest')
    expect(blocks.length).toBeGreaterThanOrEqual(4)
  })

  it('every block that uses the action parses and uses only declared inputs and outputs', () => {
    const found = blocks.flatMap((block, n) => problems(block).map((p) => `block ${n + 1}: ${p}`))
    expect(found).toEqual([])
    for (const block of blocks)
      for (const [, uses] of block.matchAll(/uses:\s*(\S*memleak-action\S*)/g)) expect(uses).toBe(published)
  })
})

describe("this repository's workflows", () => {
  const files = readdirSync(join(root, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f))

  it('parse and use only declared inputs where they run the action from the checkout', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'check-dist.yml', 'self-test.yml']))
    for (const file of files) expect(problems(read(`.github/workflows/${file}`)), file).toEqual([])
  })

  it('grant permissions per job, keep no token in the checkout, and use current majors', () => {
    for (const file of files) expect(unsafe(parse(read(`.github/workflows/${file}`))), file).toEqual([])
  })

  it('the self-test runs the action itself on Linux and macOS', () => {
    const doc = parse(read('.github/workflows/self-test.yml')) as {
      jobs: Record<string, { strategy?: { matrix?: { os?: string[] } }; steps: Step[] }>
    }
    const job = Object.values(doc.jobs).find((j) => j.steps.some((s) => s.uses === './'))
    expect(job?.strategy?.matrix?.os).toEqual(expect.arrayContaining(['ubuntu-latest', 'macos-latest']))
  })

  it('CI runs the script the README tells contributors to run', () => {
    const ci = read('.github/workflows/ci.yml')
    expect(ci).toContain('bash .ci/run')
    expect(read('.ci/run')).toMatch(/^npm test$/m)
  })
})

describe('the checker itself', () => {
  it('catches an unknown input, an unknown output and a bad mode', () => {
    const bad = [
      'jobs:',
      '  j:',
      '    steps:',
      '      - id: m',
      `        uses: ${published}`,
      '        with: { pakage: ., mode: fast }',
      '      - run: echo ${{ steps.m.outputs.leaks }}',
    ].join('\n')
    expect(problems(bad)).toEqual([
      'unknown input `pakage` (uses: org/memleak-action@v1)',
      'unknown mode `fast`',
      'unknown output `leaks` of step m',
    ])
  })

  it('catches an old major, a persisted token and workflow-level permissions', () => {
    const bad = parse(
      [
        'permissions: { contents: read }',
        'jobs:',
        '  j:',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '      - uses: actions/setup-go@v7',
      ].join('\n'),
    )
    expect(unsafe(bad)).toEqual([
      'job j: permissions belong to the job, not the workflow',
      'job j: no job-level permissions',
      'actions/checkout@v4: the current major is v7',
      'actions/checkout without persist-credentials: false leaves the token in the checkout',
    ])
  })

  it('catches a duplicate key', () => {
    expect(problems('jobs: {}\njobs: {}\n').join()).toMatch(/YAML/)
  })
})
