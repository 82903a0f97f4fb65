// What a first-time user of the CLI sees: per-command help with a description
// for every option (action.yml's, the same text as the README's table), usage on
// stderr when no command is given, and one line with a "did you mean" for a typo.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { GITHUB_ONLY_INPUTS, closest } from '../../src/run/cli-options.js'
import { INPUT_DEFAULTS } from '../../src/run/inputs.js'
import { CLI, expectOneLine, runCli } from '../hardening/cli.js'

const root = join(import.meta.dirname, '../..')
const action = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description: string }>
}
const plain = (text: string): string => text.replace(/`([^`]*)`/g, '$1')

/** `--name VALUE  description` rows of a help text, by option name. */
function optionRows(help: string): Map<string, string> {
  const rows = new Map<string, string>()
  for (const m of help.matchAll(/^ {2}--([\w-]+)(?: \S+)?\s{2,}(.*)$/gm)) rows.set(m[1]!, m[2]!)
  return rows
}

describe.runIf(existsSync(CLI))('memleak --help (node dist/cli.js)', () => {
  it("run --help lists every input that works in the CLI, each with action.yml's description", async () => {
    const run = await runCli(['run', '--help'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^memleak run: /)
    const rows = optionRows(run.stdout)
    for (const name of Object.keys(INPUT_DEFAULTS)) {
      if (GITHUB_ONLY_INPUTS.has(name)) continue
      expect(rows.get(name), `--${name}`).toContain(plain(action.inputs[name]!.description))
    }
    expect(rows.get('duration')).toContain('(default "60s")')
    for (const cliOnly of ['out', 'json', 'help']) expect(rows.get(cliOnly), `--${cliOnly}`).toMatch(/\w/)
  })

  it('run --help does not list the inputs that only mean something on GitHub', async () => {
    const rows = optionRows((await runCli(['run', '-h'])).stdout)
    expect(rows.size).toBeGreaterThan(10)
    expect(rows.has('comment')).toBe(false)
    expect(rows.has('comment-id')).toBe(false)
    for (const name of GITHUB_ONLY_INPUTS) expect(rows.has(name), `--${name}`).toBe(false)
  })

  it('diff --help lists its own options with a description each', async () => {
    const run = await runCli(['diff', '--help'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^memleak diff: /)
    expect(run.stdout).toContain('usage: memleak diff [options] BASE HEAD')
    const rows = optionRows(run.stdout)
    expect([...rows.keys()].sort()).toEqual(['help', 'limit', 'max-profile-size', 'sample-type'])
    for (const [name, text] of rows) expect(text.length, `--${name}`).toBeGreaterThan(5)
    expect(rows.get('max-profile-size')).toContain(plain(action.inputs['max-profile-size']!.description))
  })

  it('--help wins over other flags, bad ones included, and builds nothing', async () => {
    const run = await runCli(['run', '--duration', 'abc', '--bogus', '--help'])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^memleak run: /)
  })

  it('no arguments: the usage on stderr, nothing on stdout, exit 2', async () => {
    const run = await runCli([])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(/^usage:\n {2}memleak run/)
    expect(run.stderr).toContain('memleak run --help')
  })

  it('memleak --help prints the usage on stdout, exit 0', async () => {
    const run = await runCli(['--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^usage:/)
  })

  const TYPOS: [string[], string][] = [
    [['run', '--duraton', '5s'], 'memleak: run: unknown option --duraton; did you mean --duration?'],
    [['run', '--fail_on', 'leak'], 'memleak: run: unknown option --fail_on; did you mean --fail-on?'],
    [['run', '--base', 'main'], 'memleak: run: unknown option --base; did you mean --base-ref?'],
    [
      ['run', '--pprof-url=http://127.0.0.1:1/x', '--jsn'],
      'memleak: run: unknown option --jsn; did you mean --json?',
    ],
    [['diff', '--limt', '3', 'a', 'b'], 'memleak: diff: unknown option --limt; did you mean --limit?'],
  ]
  for (const [args, line] of TYPOS) {
    it(`${args.join(' ')}: one line with the closest flag, exit 2`, async () => {
      const run = await runCli(args)
      expect(run.code).toBe(2)
      expect(run.stdout).toBe('')
      expect(expectOneLine(run.stderr)).toBe(`${line} (memleak ${args[0]} --help lists them)`)
    })
  }

  it("a flag like nothing it has: no guess, and not parseArgs' paragraph", async () => {
    const run = await runCli(['run', '--bogus', '1'])
    expect(run.code).toBe(2)
    const line = expectOneLine(run.stderr)
    expect(line).toBe('memleak: run: unknown option --bogus (memleak run --help lists them)')
    expect(line).not.toMatch(/did you mean|positional/)
  })

  it('--comment, --comment-id and the action-only inputs say they belong to the action, exit 2', async () => {
    for (const flag of ['--comment', '--comment-id', '--mode', '--check-name', '--github-token']) {
      const run = await runCli(['run', flag, 'x'])
      expect(run.code).toBe(2)
      expect(expectOneLine(run.stderr)).toBe(
        `memleak: ${flag} is an input of the action only: the CLI prints the report and posts nothing`,
      )
    }
  })
})

describe('closest', () => {
  const known = ['duration', 'warmup', 'base-ref', 'json', 'port', 'pprof-url']
  it('suggests within a third of the length in edits, or a unique prefix', () => {
    expect(closest('duratoin', known)).toBe('duration')
    expect(closest('base', known)).toBe('base-ref')
    expect(closest('prot', known)).toBe('port')
  })
  it('suggests nothing for a flag unlike any', () => {
    expect(closest('bogus', known)).toBeUndefined()
    expect(closest('p', known)).toBeUndefined()
  })
})
