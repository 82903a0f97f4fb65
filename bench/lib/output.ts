// Results: a Markdown table on stdout (pasted into docs/measured.md as is) and
// bench/results/<section>.json with every raw measurement behind it.
import { execFileSync } from 'node:child_process'
import { mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { markdownTable } from 'markdown-table'
import { format, resolveConfig } from 'prettier'
import { machine, type Machine } from './machine.js'

export const RESULTS_DIR = join(import.meta.dirname, '..', 'results')

export function table(header: string[], rows: (string | number)[][]): string {
  return markdownTable([header, ...rows.map((r) => r.map(String))])
}

let invocation: { argv: string[]; quick: boolean } = { argv: [], quick: false }

/** How the bench was started, recorded in every results file (a --quick run is not a figure to quote). */
export function setInvocation(argv: string[], quick: boolean): void {
  invocation = { argv, quick }
}

export async function writeResults(
  section: string,
  data: Record<string, unknown>,
  startMachine: Machine,
): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, `${section}.json`)
  const record = {
    section,
    finishedAt: new Date().toISOString(),
    invocation,
    machine: startMachine,
    code: codeVersion(),
    loadAverageAfter: machine().loadAverage,
    ...data,
  }
  // Formatted as the repository's Prettier check expects (its config: the line width decides
  // which arrays stay on one line), so committed results pass it.
  const options = (await resolveConfig(path)) ?? {}
  writeFileSync(path, await format(JSON.stringify(record), { ...options, filepath: path }))
  return path
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

export function seconds(ms: number, digits = 2): string {
  return `${(ms / 1000).toFixed(digits)} s`
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MiB`
}

export function ratio(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${x.toFixed(digits)}×` : 'n/a'
}

/** Lines for humans go to stderr, so stdout stays the pasteable Markdown. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`)
}

/** Which code was measured: the commit, uncommitted changes under src/, and when dist/ was built. */
function codeVersion(): { commit?: string; srcUncommitted?: string[]; distBuiltAt?: string } {
  const root = join(import.meta.dirname, '..', '..')
  const git = (...args: string[]): string | undefined => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
    } catch {
      return undefined
    }
  }
  let distBuiltAt: string | undefined
  try {
    distBuiltAt = statSync(join(root, 'dist/cli.js')).mtime.toISOString()
  } catch {
    distBuiltAt = undefined
  }
  const dirty = git('status', '--porcelain', '--', 'src')
  return {
    commit: git('rev-parse', 'HEAD'),
    srcUncommitted: dirty ? dirty.split('\n').map((l) => l.slice(3)) : [],
    distBuiltAt,
  }
}
