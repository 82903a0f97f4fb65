// `npm run local-action` (CONTRIBUTING.md: "Try it, work on it") runs src/main.ts under
// @github/local-action with a .env copied from .env.example. Both halves are
// checked here: the example names only real inputs, and the tool finds run(),
// runs it and shows its failure.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const root = join(import.meta.dirname, '../..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
}

/** KEY=VALUE lines of a dotenv file, quotes removed. */
function dotenv(text: string): Map<string, string> {
  const vars = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][\w-]*)=(.*)$/.exec(line.trim())
    if (m) vars.set(m[1], m[2].replace(/^"(.*)"$/, '$1'))
  }
  return vars
}

const dir = mkdtempSync(join(tmpdir(), 'memleak-local-action-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('npm run local-action', () => {
  it('the script runs src/main.ts with .env, which .env.example documents', () => {
    expect(pkg.scripts['local-action']).toBe('local-action . src/main.ts .env')
    expect(readFileSync(join(root, '.env.example'), 'utf8')).toContain('cp .env.example .env')
  })

  it('.env.example sets only inputs action.yml declares, in analyze mode (no token needed)', () => {
    const vars = dotenv(readFileSync(join(root, '.env.example'), 'utf8'))
    const inputs = [...vars.keys()].filter((k) => k.startsWith('INPUT_'))
    expect(inputs.length).toBeGreaterThan(3)
    for (const key of inputs) expect(Object.keys(action.inputs)).toContain(key.slice(6).toLowerCase())
    expect(vars.get('INPUT_MODE')).toBe('analyze')
    expect(vars.get('INPUT_GITHUB-TOKEN') ?? '').toBe('')
  })

  it('local-action finds run() in src/main.ts and reports its failure', async () => {
    // A bad mode fails before any build: the whole path through the tool, in seconds.
    const envFile = join(dir, '.env')
    writeFileSync(envFile, 'INPUT_MODE=sideways\nINPUT_GITHUB-TOKEN=\n')
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|ACTIONS_|RUNNER_)/.test(k)),
    )
    // Its exit status is not asserted: local-action's stub of setFailed only records the failure.
    const out = await new Promise<string>((resolve) => {
      execFile(
        join(root, 'node_modules/.bin/local-action'),
        ['.', 'src/main.ts', envFile],
        { cwd: root, env, timeout: 60_000, maxBuffer: 16 << 20 },
        (_error, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
      )
    })
    expect(out).toContain('Running Action')
    expect(out).toMatch(/::error::mode: expected one of full, analyze, comment, aggregate, got "sideways"/)
    expect(out).not.toMatch(/does not export a run\(\) function/)
  }, 60_000)
})
