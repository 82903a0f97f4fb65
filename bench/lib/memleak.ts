// One `memleak run` as a user would start it (the CLI as a whole process),
// with its log lines timed as they arrive so the overhead can be broken down.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { INPUT_DEFAULTS } from '../../src/model/input-defaults.js'
import { parseDuration } from '../../src/run/input-parsers.js'
import { freePort, run } from './proc.js'

/** The action's warmup and duration defaults in seconds (what the CLI applies when they are left out). */
export const ACTION_DEFAULTS = {
  warmupS: parseDuration('warmup', INPUT_DEFAULTS.warmup) / 1000,
  durationS: parseDuration('duration', INPUT_DEFAULTS.duration) / 1000,
}

export interface CliDefaults {
  /** Whether it has the `--stop-early` flag (issue 16). */
  stopEarly: boolean
  warmupS: number
  durationS: number
}

/**
 * What the built CLI does with warmup and duration left out, from its `run --help` (the CLI
 * measured may be another build than this checkout's src/; ACTION_DEFAULTS where it does not say).
 */
export function cliDefaults(cli: string): CliDefaults {
  const help = execFileSync(process.execPath, [cli, 'run', '--help'], { encoding: 'utf8' })
  const seconds = (flag: 'warmup' | 'duration'): number => {
    const m = new RegExp(`^\\s*--${flag} DURATION\\b[^\\n]*\\(default "([^"]+)"\\)`, 'm').exec(help)
    return m ? parseDuration(flag, m[1]!) / 1000 : ACTION_DEFAULTS[`${flag}S`]
  }
  return {
    stopEarly: /--stop-early\b/.test(help),
    warmupS: seconds('warmup'),
    durationS: seconds('duration'),
  }
}

export interface MemleakRunOptions {
  cli: string
  repo: string
  baseRef: string
  package: string
  requests: string
  /** Left out: the CLI's own default applies (the action's defaults, literally). */
  warmupS?: number
  durationS?: number
  env?: string
  extra?: string[]
  outDir: string
}

export interface LogLine {
  atMs: number
  text: string
}

export interface MemleakRun {
  code: number | null
  timedOut: boolean
  wallMs: number
  /** Build times the pipeline logged ("base: built ... in 3.2s"). */
  buildMs: { base?: number; head?: number }
  log: LogLine[]
  // The JSON report, as written; undefined when the run could not produce one.
  report?: MemleakReport
  stderrTail: string
}

/** The parts of the JSON report the bench reads. */
export interface MemleakReport {
  analysis: {
    verdict: { leak: boolean; newLeak: boolean; regression: boolean }
    findings: {
      kind: string
      status: string
      rate: number
      unit: string
      site: { function: string; ownFrame?: { function: string } }
    }[]
    head: { requests: number; requestsPerSecond: number; errors: number }
    base?: { requests: number; requestsPerSecond: number; errors: number }
    notes: string[]
  }
  failures: string[]
}

export async function memleakRun(o: MemleakRunOptions): Promise<MemleakRun> {
  const port = await freePort()
  const log: LogLine[] = []
  const args = [
    o.cli,
    'run',
    '--base-ref',
    o.baseRef,
    '--package',
    o.package,
    '--requests',
    o.requests,
    ...(o.warmupS === undefined ? [] : ['--warmup', `${o.warmupS}s`]),
    ...(o.durationS === undefined ? [] : ['--duration', `${o.durationS}s`]),
    '--port',
    String(port),
    '--json',
    '--out',
    o.outDir,
    ...(o.env ? ['--env', o.env] : []),
    ...(o.extra ?? []),
  ]
  // Generous: two sides, builds on a busy machine; the CLI's own --timeout default is 15 min.
  const { warmupS, durationS } = ACTION_DEFAULTS
  const timeoutMs = (2 * ((o.warmupS ?? warmupS) + (o.durationS ?? durationS)) + 600) * 1000
  const r = await run(process.execPath, args, {
    cwd: o.repo,
    timeoutMs,
    onStderrLine: (text, atMs) => log.push({ atMs, text }),
  })
  const buildMs: MemleakRun['buildMs'] = {}
  for (const { text } of log) {
    const m = /^(base|head): built .* in ([\d.]+)s$/.exec(text)
    if (m) buildMs[m[1] as 'base' | 'head'] = Number(m[2]) * 1000
  }
  const reportPath = join(o.outDir, 'report.json')
  let report: MemleakReport | undefined
  if (existsSync(reportPath) && (r.code === 0 || r.code === 1)) {
    report = JSON.parse(readFileSync(reportPath, 'utf8')) as MemleakReport
  }
  return {
    code: r.code,
    timedOut: r.timedOut,
    wallMs: r.wallMs,
    buildMs,
    log,
    report,
    stderrTail: r.stderr.split('\n').slice(-15).join('\n'),
  }
}
