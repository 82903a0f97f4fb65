// "Reproduce locally": the CLI command that repeats this run, built from the
// report's meta. Values may come from an untrusted artifact, so every word is
// shell-quoted: pasting the command runs memleak, never something else.
import { INPUT_DEFAULTS } from '../model/input-defaults.js'
import type { ReportMeta } from '../model/report.js'

/** The repository users run the action from (`uses: org/memleak-action@v1`). */
export const ACTION_REPOSITORY = 'org/memleak-action'
/** The major tag users pin; the CLI from the same tag measures the same way. */
export const ACTION_MAJOR = 'v1'
/**
 * Whether the package is on npm. Until it is, npx installs the CLI from the
 * repository (it carries package.json's bin and the built dist/); flip this after
 * the first `npm publish` and every "Reproduce locally" uses the registry.
 */
export const ON_NPM = false

/** The CLI as a user runs it, decided here only (the README and the comment use it). */
export const CLI_COMMAND = ON_NPM
  ? 'npx -p memleak-action memleak'
  : `npx github:${ACTION_REPOSITORY}#${ACTION_MAJOR}`

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/
// eslint-disable-next-line no-control-regex
const CONTROL_ALL = /[\u0000-\u001f\u007f]/g

/** A shell word that means exactly text: bare when safe, '…' or $'…' otherwise. */
export function shellQuote(text: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(text)) return text
  if (CONTROL.test(text)) {
    const body = text
      .replace(/[\\']/g, (c) => '\\' + c)
      .replace(CONTROL_ALL, (c) => {
        if (c === '\n') return '\\n'
        if (c === '\r') return '\\r'
        if (c === '\t') return '\\t'
        return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')
      })
    return `$'${body}'`
  }
  return `'${text.replace(/'/g, `'\\''`)}'`
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`
}

/** Flags that differ from the action's defaults, in the CLI's spelling. */
export function reproduceCommand(meta: ReportMeta): string[] {
  const args: string[] = []
  const flag = (name: string, value: string): void => {
    args.push(`--${name}`, shellQuote(value))
  }
  const wd = meta.workingDirectory.replace(/\/+$/, '')
  if (wd && wd !== '.' && wd !== './') flag('working-directory', meta.workingDirectory)
  flag('package', meta.package || '.')
  if (meta.baseSha) flag('base-ref', meta.baseSha)
  // A flag only where the run differs from the default, compared in the input's own spelling.
  const unlessDefault = (name: keyof typeof INPUT_DEFAULTS, value: string): void => {
    if (value && value !== INPUT_DEFAULTS[name]) flag(name, value)
  }
  // The file as base has it holds the requests and their headers, values included.
  if (meta.requestsFile) flag('requests-file', meta.requestsFile)
  else unlessDefault('requests', meta.requests.join('\n'))
  unlessDefault('duration', duration(meta.durationMs))
  unlessDefault('warmup', duration(meta.warmupMs))
  unlessDefault('connections', String(meta.connections))
  // Reports from before stop-early (or with it off) were measured on the fixed schedule.
  unlessDefault('stop-early', String(meta.stopEarly === true))
  if (meta.stopEarly && meta.minLeak !== undefined) unlessDefault('min-leak', `${meta.minLeak}B`)
  if (!meta.stopEarly) unlessDefault('snapshots', String(meta.snapshots))
  if (meta.rate !== undefined) unlessDefault('rate', String(meta.rate))
  if (meta.memProfileRate !== undefined) unlessDefault('memprofilerate', String(meta.memProfileRate))
  unlessDefault('regression-threshold', `${+(meta.regressionThreshold * 100).toFixed(4)}%`)
  unlessDefault('fail-on', meta.failOn.join(','))
  const lines: string[] = []
  if (meta.headSha && /^[0-9a-f]{7,64}$/i.test(meta.headSha)) lines.push(`git checkout ${meta.headSha}`)
  if (meta.headerNames?.length) {
    // Their values may be secrets, so the report never holds them: the reader supplies them.
    lines.push(
      `# the load also sent ${meta.headerNames.join(', ')}: add --headers $'Name: value' (one line each); the report does not keep their values`,
    )
  }
  lines.push([CLI_COMMAND, 'run', ...args].join(' '))
  return lines
}

/** Compare the two heap profiles the artifact holds. */
export function pprofCommands(): string[] {
  return [
    '# what head keeps alive that base does not (live heap)',
    'go tool pprof -top -sample_index=inuse_space -diff_base base.pb.gz head.pb.gz',
    '# what head allocates more than base (since start)',
    'go tool pprof -top -sample_index=alloc_space -diff_base base.pb.gz head.pb.gz',
  ]
}
