// The CLI's options and their help, from one table: the action's inputs (their
// descriptions are action.yml's, inlined by the build) plus the few flags only
// the CLI has. Unknown flags are caught here, before parseArgs, so the user sees
// one line with the closest real flag instead of parseArgs' paragraph.
import { parseArgs } from 'node:util'
import { UsageError } from '../model/errors.js'
import { ACTION_INPUT_DEFAULTS } from './inputs.js'

export interface OptionDoc {
  name: string
  /** Placeholder for the value; absent for a boolean flag. */
  value?: string
  description: string
  default?: string
}

export interface CommandDoc {
  name: string
  summary: string
  usage: string
  options: OptionDoc[]
}

/**
 * Inputs that only mean something on GitHub (the CLI prints the report and posts
 * nothing): the two the pipeline reads, and every input of the action's own step.
 */
export const GITHUB_ONLY_INPUTS: ReadonlySet<string> = new Set([
  'comment',
  'comment-id',
  'github-token',
  ...Object.keys(ACTION_INPUT_DEFAULTS),
])

const HELP: OptionDoc = { name: 'help', description: 'Print this help.' }

/** Markdown code spans and emphasis read as noise in a terminal. */
const plain = (text: string): string => text.replace(/`([^`]*)`/g, '$1')

export function formatHelp(command: CommandDoc, footer: string): string {
  const options = [...command.options, HELP]
  const label = (o: OptionDoc): string => `--${o.name}${o.value ? ` ${o.value}` : ''}`
  const width = Math.max(...options.map((o) => label(o).length)) + 2
  const lines = options.map((o) => {
    const text = plain(o.description) + (o.default ? ` (default ${JSON.stringify(o.default)})` : '')
    return `  ${label(o).padEnd(width)}${text}`.trimEnd()
  })
  return [
    `memleak ${command.name}: ${command.summary}`,
    '',
    `usage: ${command.usage}`,
    '',
    'options:',
    ...lines,
    '',
    footer,
    '',
  ].join('\n')
}

/** Edits between two names (insert, delete, substitute, swap two neighbours), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1)
    }
  return d[a.length]![b.length]!
}

/** The known name a typo most likely meant: a unique prefix, or one within a third of its length in edits. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const prefixed = known.filter((k) => k.startsWith(name))
  if (name.length >= 3 && prefixed.length === 1) return prefixed[0]
  let best: string | undefined
  let bestDistance = Infinity
  for (const k of known) {
    const d = editDistance(name, k)
    if (d < bestDistance) [best, bestDistance] = [k, d]
  }
  return bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined
}

/**
 * Whether the user asked for --help; else throws a one-line UsageError for the
 * first flag the command does not have, naming the closest one.
 */
export function scanFlags(command: CommandDoc, argv: string[]): { help: boolean } {
  const known = [...command.options.map((o) => o.name), HELP.name]
  // Typed as the command declares them, so a value (`--args -h`) is not read as a flag.
  const options = Object.fromEntries(
    command.options.map((o) => [o.name, { type: o.value ? ('string' as const) : ('boolean' as const) }]),
  )
  const { tokens } = parseArgs({
    args: argv,
    options: { ...options, help: { type: 'boolean', short: 'h' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  if (tokens.some((t) => t.kind === 'option' && t.name === HELP.name)) return { help: true }
  for (const token of tokens) {
    if (token.kind !== 'option' || known.includes(token.name)) continue
    const flag = token.rawName
    if (GITHUB_ONLY_INPUTS.has(token.name))
      throw new UsageError(
        `${flag} is an input of the action only: the CLI prints the report and posts nothing`,
      )
    const guess = closest(token.name, known)
    throw new UsageError(
      `${command.name}: unknown option ${flag}${guess ? `; did you mean --${guess}?` : ''} (memleak ${command.name} --help lists them)`,
    )
  }
  return { help: false }
}
