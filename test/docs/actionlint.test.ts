// actionlint (github.com/rhysd/actionlint) on every workflow this repository runs
// or shows: .github/workflows, the examples', and each YAML block of the README and
// docs/ (a step list is wrapped in a job first). .ci/run installs the pinned version
// and sets ACTIONLINT, so CI fails rather than skips when it is missing.
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { docYamlBlocks } from './yaml-blocks.js'

const root = join(import.meta.dirname, '../..')
const pinned = /^ACTIONLINT_VERSION=(\S+)$/m.exec(readFileSync(join(root, '.ci/run'), 'utf8'))?.[1]

function findActionlint(): string | undefined {
  if (process.env.ACTIONLINT) return process.env.ACTIONLINT
  try {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8', timeout: 20_000 }).trim()
    const bin = join(gopath, 'bin', 'actionlint')
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}
const actionlint = findActionlint()
const install = `go install github.com/rhysd/actionlint/cmd/actionlint@${pinned}`

function lint(files: string[], cwd = root): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      actionlint!,
      ['-no-color', '-oneline', ...files],
      { cwd, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    )
  })
}

/** A docs block as a workflow file: whole workflows as they are, step lists inside a job. */
function asWorkflow(block: string): string | undefined {
  if (/^jobs:/m.test(block)) return /^on:/m.test(block) ? block : `on: push\n${block}`
  if (/^- /m.test(block)) {
    const steps = block.replace(/^(?=.)/gm, '      ')
    return `on: push\njobs:\n  snippet:\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n${steps}`
  }
  return undefined
}

const dir = mkdtempSync(join(tmpdir(), 'memleak-actionlint-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('actionlint', () => {
  it('is pinned in .ci/run', () => {
    expect(pinned).toMatch(/^v\d+\.\d+\.\d+$/)
  })

  if (!actionlint) {
    it.skip(`skipped: actionlint is not installed (${install}; .ci/run installs it)`, () => {})
    return
  }

  it('is the pinned version', () => {
    expect(execFileSync(actionlint, ['-version'], { encoding: 'utf8' })).toContain(pinned!)
  })

  it('passes every workflow of this repository and of the examples', async () => {
    const files = [
      ...readdirSync(join(root, '.github/workflows')).map((f) => `.github/workflows/${f}`),
      ...readdirSync(join(root, 'examples')).flatMap((e) => {
        const wf = join(root, 'examples', e, '.github/workflows')
        return existsSync(wf) ? readdirSync(wf).map((f) => `examples/${e}/.github/workflows/${f}`) : []
      }),
    ].filter((f) => /\.ya?ml$/.test(f))
    expect(files.length).toBeGreaterThanOrEqual(5)
    const run = await lint(files)
    expect(run.output).toBe('')
    expect(run.code).toBe(0)
  })

  it('passes every workflow and step list shown in the README and docs/', async () => {
    const workflows = join(dir, 'snippets/.github/workflows')
    mkdirSync(workflows, { recursive: true })
    const files: string[] = []
    docYamlBlocks().forEach(({ page, block }, i) => {
      const text = asWorkflow(block)
      if (!text) return
      const name = `${page.replace(/\W+/g, '-')}-${i}.yml`
      writeFileSync(join(workflows, name), text)
      files.push(`.github/workflows/${name}`)
    })
    expect(files.length).toBeGreaterThanOrEqual(6)
    const run = await lint(files, join(dir, 'snippets'))
    expect(run.output).toBe('')
    expect(run.code).toBe(0)
  })

  it('fails a broken workflow, so the checks above can fail', async () => {
    const workflows = join(dir, 'broken/.github/workflows')
    mkdirSync(workflows, { recursive: true })
    writeFileSync(
      join(workflows, 'bad.yml'),
      'on: pull_request\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }}\n        shell: bsh\n',
    )
    const run = await lint(['.github/workflows/bad.yml'], join(dir, 'broken'))
    expect(run.code).not.toBe(0)
    expect(run.output).toMatch(/bad\.yml:\d+:\d+: /)
  })
})
