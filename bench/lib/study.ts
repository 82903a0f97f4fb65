// One end-to-end trial of the detection study or the time-to-verdict search:
// a throwaway PR (base and head fixture code), one `memleak run`, and what the
// verdict said about it.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { memleakRun } from './memleak.js'
import { note } from './output.js'
import { fixturePr, plantedDefault, type SideSpec } from './repo.js'

export interface Case {
  /** Row label, e.g. "planted 32 B/req" or "control: churn". */
  name: string
  kind: 'planted' | 'control'
  base: SideSpec
  head: SideSpec
  env?: string
  /** For planted cases: the leak per request in bytes. */
  leakBytes?: number
}

/** Head retains `bytes` a request, base none; `env` (both sides) adds e.g. garbage to churn through. */
export function plantedCase(bytes: number, env?: string, name = `planted ${bytes} B/req`): Case {
  return {
    name,
    kind: 'planted',
    leakBytes: bytes,
    // The env input reaches both sides, so the leak is planted in head's code, as a PR would.
    base: { fixture: 'planted', rewrite: plantedDefault(0) },
    head: { fixture: 'planted', rewrite: plantedDefault(bytes) },
    ...(env ? { env } : {}),
  }
}

export function controlCase(fixture: string, env?: string): Case {
  // A/A: the same code on both sides, so whatever is reported is false.
  return { name: `control: ${fixture}`, kind: 'control', base: { fixture }, head: { fixture }, env }
}

export interface Trial {
  case: string
  /** Detection study: which way the sides were measured (sequential stopping or fixed). */
  mode?: string
  rep: number
  durationS: number
  warmupS: number
  code: number | null
  /** The run could not measure (exit 3, a timeout, no report). */
  invalid: boolean
  leak: boolean
  newLeak: boolean
  regression: boolean
  /** A heap-leak finding at the planted function (retain), new or worsened. */
  atRetain: boolean
  /** Rate of that finding, B/request. */
  rate?: number
  /** Where the full report was kept: for an unexpected outcome (a miss, a false alarm, an invalid run). */
  keptReport?: string
  findings: { kind: string; status: string; function: string; rate: number; unit: string }[]
  headRequests?: number
  headRps?: number
  baseRps?: number
  /** Measured load a side, s (requests / requests per second): under sequential stopping, at most durationS. */
  headMeasuredS?: number
  baseMeasuredS?: number
  wallMs: number
  notes?: string[]
  stderrTail?: string
}

export interface TrialOptions {
  cli: string
  workDir: string
  /** Recorded in the trial, and passed to the CLI unless `leaveDefault` names it. */
  warmupS: number
  durationS: number
  /** Flags left out so the CLI's defaults apply (then warmupS/durationS should be those defaults). */
  leaveDefault?: ('warmup' | 'duration')[]
  rep: number
  env?: string
  mode?: string
  /** More CLI flags, e.g. --stop-early false. */
  extra?: string[]
}

/** Seconds of measured load of a side: its requests at its rate. */
function measuredS(side: { requests: number; requestsPerSecond: number } | undefined): number | undefined {
  return side && side.requestsPerSecond > 0 ? side.requests / side.requestsPerSecond : undefined
}

export async function runTrial(c: Case, opts: TrialOptions): Promise<Trial> {
  const repo = fixturePr(join(opts.workDir, 'repos'), c.base, c.head)
  try {
    const env = [c.env, opts.env].filter(Boolean).join('\n') || undefined
    const r = await memleakRun({
      cli: opts.cli,
      repo: repo.dir,
      baseRef: repo.baseSha,
      package: './cmd/api',
      requests: 'GET /time',
      warmupS: opts.leaveDefault?.includes('warmup') ? undefined : opts.warmupS,
      durationS: opts.leaveDefault?.includes('duration') ? undefined : opts.durationS,
      env,
      // Decide on every verdict, so the exit status never hides one.
      extra: ['--fail-on', 'leak,new-leak,regression', ...(opts.extra ?? [])],
      outDir: join(repo.dir, '.memleak'),
    })
    const a = r.report?.analysis
    const findings = (a?.findings ?? []).map((f) => ({
      kind: f.kind,
      status: f.status,
      function: f.site.ownFrame?.function ?? f.site.function,
      rate: f.rate,
      unit: f.unit,
    }))
    const retain = (a?.findings ?? []).find(
      (f) =>
        f.kind === 'heap-leak' &&
        (f.status === 'new' || f.status === 'worsened') &&
        /\bretain\b/.test(`${f.site.function} ${f.site.ownFrame?.function ?? ''}`),
    )
    const trial: Trial = {
      case: c.name,
      ...(opts.mode ? { mode: opts.mode } : {}),
      rep: opts.rep,
      durationS: opts.durationS,
      warmupS: opts.warmupS,
      code: r.code,
      invalid: !a || r.timedOut,
      leak: a?.verdict.leak ?? false,
      newLeak: a?.verdict.newLeak ?? false,
      regression: a?.verdict.regression ?? false,
      atRetain: retain !== undefined,
      rate: retain?.rate,
      findings,
      headRequests: a?.head.requests,
      headRps: a?.head.requestsPerSecond,
      baseRps: a?.base?.requestsPerSecond,
      headMeasuredS: measuredS(a?.head),
      baseMeasuredS: measuredS(a?.base),
      wallMs: r.wallMs,
      notes: a?.notes,
      stderrTail: a ? undefined : r.stderrTail,
    }
    const unexpected =
      trial.invalid || (c.kind === 'planted' ? !detected(trial) : trial.leak || trial.regression)
    const how = opts.mode ?? `${opts.durationS}s`
    const reportPath = join(repo.dir, '.memleak', 'report.json')
    if (unexpected && existsSync(reportPath)) {
      const keep = join(opts.workDir, 'kept')
      mkdirSync(keep, { recursive: true })
      trial.keptReport = join(
        keep,
        `${c.name.replace(/[^\w]+/g, '-')}-${how.replace(/[^\w]+/g, '-')}-rep${opts.rep}-${Date.now()}.json`,
      )
      copyFileSync(reportPath, trial.keptReport)
    }
    const said = trial.invalid
      ? `invalid (exit ${r.code}${r.timedOut ? ', timed out' : ''})`
      : `leak=${trial.leak} new-leak=${trial.newLeak} regression=${trial.regression}` +
        (trial.atRetain ? ` at retain ${trial.rate?.toFixed(1)} B/req` : '') +
        ` (${Math.round(trial.headRps ?? 0).toLocaleString('en')} req/s` +
        (trial.headMeasuredS === undefined ? ')' : `, head measured ${trial.headMeasuredS.toFixed(0)} s)`)
    note(`  ${c.name}, ${how}, rep ${opts.rep}: ${said} [${(r.wallMs / 1000).toFixed(0)} s]`)
    if (trial.invalid) note(r.stderrTail)
    return trial
  } finally {
    repo.remove()
  }
}

/** "Detected" for a planted case: the check would fail with a new leak at the planted line. */
export function detected(t: Trial): boolean {
  return !t.invalid && t.newLeak && t.atRetain
}
