// `memleak`: the action's pipeline for a terminal, so a result can be reproduced on a laptop.
//   memleak run [--input-name value ...]   the whole job; prints the Markdown report (run --help lists them)
//   memleak diff BASE HEAD                 top growing allocators between two heap profiles
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { resolve } from 'node:path'
import { UsageError, oneLine } from './model/errors.js'
import { INPUT_DEFAULTS, readInputs, type InputName } from './run/inputs.js'
import { parseSize } from './run/input-parsers.js'
import { runPipeline, type Logger } from './pipeline.js'
import { startRunControl } from './run/run-control.js'
import { diffFiles } from './profile/diff.js'
import { runCommand } from './build/command.js'
import { VERSION } from './model/version.js'
import { GITHUB_ONLY_INPUTS, formatHelp, scanFlags, type CommandDoc } from './run/cli-options.js'
import { INPUT_DESCRIPTIONS } from 'virtual:action-inputs'

const EXIT_STATUS =
  'exit status: 0 pass, 1 fail-on matched, 2 bad usage or input, 3 could not measure (build, service or load failed)'

const USAGE = `usage:
  memleak run [options]          build, load and compare; prints the Markdown report
  memleak diff BASE HEAD         top growing allocators between two heap profiles
  memleak --version

memleak run --help and memleak diff --help list the options.
${EXIT_STATUS}`

/** A value placeholder from the default's shape, so --help shows what to type. */
function placeholder(fallback: string): string {
  if (/^\d+(ms|s|m|h)$/.test(fallback)) return 'DURATION'
  if (/^(true|false)$/.test(fallback)) return 'true|false'
  return 'VALUE'
}

const RUN: CommandDoc = {
  name: 'run',
  summary: 'build the service at base and head, load both, compare; prints the Markdown report',
  usage: "memleak run [options]   (the action's inputs as flags: same names, same defaults)",
  options: [
    ...Object.entries(INPUT_DEFAULTS)
      .filter(([name]) => !GITHUB_ONLY_INPUTS.has(name))
      .map(([name, fallback]) => ({
        name,
        value: placeholder(fallback),
        description: INPUT_DESCRIPTIONS[name] ?? '',
        default: fallback || undefined,
      })),
    {
      name: 'out',
      value: 'DIR',
      description: 'Where profiles, logs and report.json go.',
      default: '.memleak',
    },
    { name: 'json', description: 'Print the JSON report instead of Markdown.' },
  ],
}

const DIFF: CommandDoc = {
  name: 'diff',
  summary: 'top growing allocators between two heap profiles, like go tool pprof -top -diff_base',
  usage: 'memleak diff [options] BASE HEAD',
  options: [
    {
      name: 'sample-type',
      value: 'NAME',
      description: 'inuse_space, inuse_objects, alloc_space or alloc_objects.',
      default: 'inuse_space',
    },
    { name: 'limit', value: 'N', description: 'Rows to print.', default: '20' },
    {
      name: 'max-profile-size',
      value: 'SIZE',
      description: INPUT_DESCRIPTIONS['max-profile-size'] ?? '',
      default: INPUT_DEFAULTS['max-profile-size'],
    },
  ],
}

const stderrLogger: Logger = {
  info: (line) => process.stderr.write(`${line}\n`),
  warn: (line) => process.stderr.write(`warning: ${line}\n`),
  async group(title, fn) {
    process.stderr.write(`== ${title}\n`)
    return fn()
  },
}

async function gitTopLevel(dir: string): Promise<string> {
  try {
    const r = await runCommand('git', ['rev-parse', '--show-toplevel'], { cwd: dir, timeoutMs: 10_000 })
    return r.code === 0 ? r.output.trim() : dir
  } catch {
    return dir
  }
}

/** The commit head is, when the checkout has no changes to tracked files; else undefined (the working tree). */
async function cleanHeadSha(dir: string): Promise<string | undefined> {
  try {
    const status = await runCommand('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: dir,
      timeoutMs: 10_000,
    })
    if (status.code !== 0 || status.output.trim() !== '') return undefined
    const head = await runCommand('git', ['rev-parse', 'HEAD'], { cwd: dir, timeoutMs: 10_000 })
    const sha = head.output.trim()
    return head.code === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined
  } catch {
    return undefined
  }
}

/** Prints the command's help and returns true when asked; throws on a flag the command lacks. */
function helped(command: CommandDoc, argv: string[]): boolean {
  if (!scanFlags(command, argv).help) return false
  process.stdout.write(formatHelp(command, EXIT_STATUS))
  return true
}

const parseOptions = (command: CommandDoc): Record<string, { type: 'string' | 'boolean' }> =>
  Object.fromEntries(command.options.map((o) => [o.name, { type: o.value ? 'string' : 'boolean' }]))

async function commandRun(argv: string[]): Promise<number> {
  if (helped(RUN, argv)) return 0
  const { values, positionals } = parseArgs({
    args: argv,
    options: parseOptions(RUN),
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length > 0)
    throw new UsageError(`run: unexpected argument ${JSON.stringify(positionals[0])}`)
  const inputs = readInputs((name: InputName) => (values[name] as string | undefined) ?? '')
  const workspace = await gitTopLevel(process.cwd())
  // The deadline and Ctrl-C (or a CI's SIGTERM) stop the run the way they stop the action.
  const control = startRunControl(inputs.timeoutMs)
  try {
    const result = await runPipeline(inputs, {
      workspace,
      baseRef: inputs.baseRef || undefined,
      headSha: await cleanHeadSha(workspace),
      outDir: resolve(String(values.out ?? '.memleak')),
      commentId: inputs.commentId || `cli:${inputs.package}`,
      log: stderrLogger,
      signal: control.signal,
    }).catch((error: unknown) => {
      throw control.explain(error)
    })
    process.stdout.write(values.json ? await readFile(result.reportPath, 'utf8') : `${result.markdown}\n`)
    process.stderr.write(`report: ${result.reportPath}\n`)
    // A partial report is written and printed; the run still could not measure: exit 3, saying why.
    if (result.stopped) throw result.stopped
    for (const failure of result.report.failures) process.stderr.write(`fail: ${failure}\n`)
    return result.report.failures.length > 0 ? 1 : 0
  } finally {
    control.dispose()
  }
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
}

async function commandDiff(argv: string[]): Promise<number> {
  if (helped(DIFF, argv)) return 0
  const { values, positionals } = parseArgs({
    args: argv,
    options: parseOptions(DIFF),
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length !== 2)
    throw new UsageError('diff: expected two profile files, memleak diff BASE HEAD')
  const text = (name: string): string | undefined =>
    typeof values[name] === 'string' ? values[name] : undefined
  const limit = values.limit === undefined ? 20 : Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit: expected a whole number above 0, got ${JSON.stringify(values.limit)}`)
  const maxDecompressedBytes = parseSize(
    'max-profile-size',
    text('max-profile-size') ?? INPUT_DEFAULTS['max-profile-size'],
    1024,
    4 * 1024 ** 3,
  )
  const read = async (path: string): Promise<Uint8Array> => {
    try {
      return await readFile(path)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? ''
      const why = READ_ERRORS[code] ?? (error as Error).message
      throw new UsageError(`${path}: cannot read the profile: ${why}`)
    }
  }
  const [base, head] = await Promise.all(positionals.map(read))
  process.stdout.write(
    diffFiles(base, head, {
      sampleType: text('sample-type'),
      limit,
      maxDecompressedBytes,
      names: positionals as [string, string],
    }),
  )
  return 0
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    if (command === 'run') return await commandRun(rest)
    if (command === 'diff') return await commandDiff(rest)
    if (command === '--version' || command === 'version') {
      process.stdout.write(`memleak ${VERSION}\n`)
      return 0
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(`${USAGE}\n`)
      return 0
    }
    // No command is a usage error: the usage goes to stderr, so a script's stdout stays clean.
    if (command === undefined) {
      process.stderr.write(`${USAGE}\n`)
      return 2
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}; expected run or diff (memleak --help)`)
  } catch (error) {
    // One line, no stack trace: what is wrong and where.
    process.stderr.write(`memleak: ${oneLine(error)}\n`)
    return isUsage(error) ? 2 : 3
  }
}

function isUsage(error: unknown): boolean {
  // Bad flags, bad inputs and unreadable profiles are the user's to fix: exit 2.
  const { name, code } = (error ?? {}) as { name?: string; code?: string }
  return (
    error instanceof UsageError ||
    name === 'ProfileError' ||
    name === 'SnapshotError' ||
    String(code ?? '').startsWith('ERR_PARSE_ARGS')
  )
}

process.exitCode = await main(process.argv.slice(2))
