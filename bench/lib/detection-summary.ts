// The detection study's figures from its trials, per mode (issue 16): pure, so a
// partial results file carries the same summary as the finished one.
import { median, table } from './output.js'
import { detected, type Trial } from './study.js'

/** sequential: the action's defaults (stop each side once its answer is known); fixed: --stop-early false. */
export type Mode = 'sequential' | 'fixed'
export const MODES: readonly Mode[] = ['sequential', 'fixed']

/** The time targets of issue 16, for the sequential mode: median step time at most limitS. */
export const TIME_TARGETS = [
  { case: 'control: healthy', limitS: 45 },
  { case: 'planted 1024 B/req', limitS: 30 },
] as const

export interface CaseStats {
  /** Runs, and those that could measure (the counts below are over these). */
  runs: number
  valid: number
  invalid: number
  /** Planted cases only: a new leak at retain. */
  detected?: number
  leak: number
  newLeak: number
  regression: number
  /** Median estimate at retain, B/req. */
  medianRate?: number
  medianHeadRps?: number
  /** Median measured load of head, s. */
  medianHeadMeasuredS?: number
  /** Median wall time of the whole `memleak run`, s: what the step takes. */
  medianStepS?: number
}

export interface ModeSummary {
  /** Every planted leak (8 B/req and up) detected in every valid run. */
  plantedOk: boolean
  /** No control with a leak or a regression reported. */
  controlsOk: boolean
  cases: Record<string, CaseStats>
}

export interface TimeTargetResult {
  case: string
  limitS: number
  medianStepS?: number
  met: boolean
}

export interface DetectionSummary {
  modes: Partial<Record<Mode, ModeSummary>>
  /** Median step time, sequential / fixed, per case measured in both. */
  stepRatio: Record<string, number>
  /** Sequential mode only; a case not measured is not met. */
  timeTargets: TimeTargetResult[]
}

const medianOf = (xs: (number | undefined)[]): number | undefined => {
  const ys = xs.filter((x): x is number => x !== undefined && Number.isFinite(x))
  return ys.length ? median(ys) : undefined
}

export function caseStats(trials: Trial[], name: string, mode: Mode): CaseStats {
  const ts = trials.filter((t) => t.case === name && t.mode === mode)
  const valid = ts.filter((t) => !t.invalid)
  const count = (f: (t: Trial) => boolean): number => valid.filter(f).length
  return {
    runs: ts.length,
    valid: valid.length,
    invalid: ts.length - valid.length,
    ...(name.startsWith('planted') ? { detected: count(detected) } : {}),
    leak: count((t) => t.leak),
    newLeak: count((t) => t.newLeak),
    regression: count((t) => t.regression),
    medianRate: medianOf(valid.map((t) => t.rate)),
    medianHeadRps: medianOf(valid.map((t) => t.headRps)),
    medianHeadMeasuredS: medianOf(valid.map((t) => t.headMeasuredS)),
    medianStepS: medianOf(valid.map((t) => t.wallMs / 1000)),
  }
}

export function summarise(
  trials: Trial[],
  o: { modes: readonly Mode[]; sizes: number[]; controls: string[] },
): DetectionSummary {
  const planted = o.sizes.map((b) => `planted ${b} B/req`)
  const controls = o.controls.map((f) => `control: ${f}`)
  const modes: DetectionSummary['modes'] = {}
  for (const mode of o.modes) {
    const cases = Object.fromEntries(
      [...controls, ...planted].map((name) => [name, caseStats(trials, name, mode)]),
    )
    modes[mode] = {
      plantedOk: planted.every((n) => cases[n]!.valid > 0 && cases[n]!.detected === cases[n]!.valid),
      controlsOk: controls.every(
        (n) => cases[n]!.valid > 0 && cases[n]!.leak === 0 && cases[n]!.regression === 0,
      ),
      cases,
    }
  }
  const stepRatio: Record<string, number> = {}
  for (const name of [...controls, ...planted]) {
    const s = modes.sequential?.cases[name]?.medianStepS
    const f = modes.fixed?.cases[name]?.medianStepS
    if (s !== undefined && f !== undefined && f > 0) stepRatio[name] = s / f
  }
  const timeTargets = TIME_TARGETS.map((t) => {
    const medianStepS = modes.sequential?.cases[t.case]?.medianStepS
    return { ...t, medianStepS, met: medianStepS !== undefined && medianStepS <= t.limitS }
  })
  return { modes, stepRatio, timeTargets }
}

const fmt = (x: number | undefined, digits: number): string => (x === undefined ? '–' : x.toFixed(digits))

/** One row per case and mode, the modes of a case side by side. */
export function detectionTable(s: DetectionSummary, labels: Record<Mode, string>): string {
  const rows: string[][] = []
  const names = Object.keys(Object.values(s.modes)[0]?.cases ?? {})
  for (const name of names) {
    for (const mode of MODES) {
      const c = s.modes[mode]?.cases[name]
      if (!c || c.runs === 0) continue
      const n = (k: number): string => `${k}/${c.valid}`
      rows.push([
        name,
        labels[mode],
        c.detected === undefined ? '–' : n(c.detected),
        n(c.leak),
        n(c.newLeak),
        n(c.regression),
        String(c.invalid),
        fmt(c.medianRate, 1),
        c.medianHeadRps === undefined ? '–' : Math.round(c.medianHeadRps).toLocaleString('en'),
        fmt(c.medianHeadMeasuredS, 0),
        fmt(c.medianStepS, 1),
        mode === 'sequential' && s.stepRatio[name] !== undefined ? s.stepRatio[name].toFixed(2) : '–',
      ])
    }
  }
  return table(
    [
      'case',
      'mode',
      'detected (new leak at retain)',
      'leak reported',
      'new leak',
      'regression',
      'invalid runs',
      'median estimate, B/req',
      'head req/s',
      'head measured, s',
      'median step time, s',
      'step time, sequential / fixed',
    ],
    rows,
  )
}

const metWord = (ok: boolean): string => (ok ? 'met' : '**not met**')

/** The targets of issues 4 and 16: accuracy for the sequential mode (fixed as the reference), then time. */
export function targetsLine(s: DetectionSummary, labels: Record<Mode, string>): string {
  const parts: string[] = []
  for (const mode of MODES) {
    const m = s.modes[mode]
    if (!m) continue
    const what = mode === 'sequential' ? 'Targets' : `Reference (${labels.fixed})`
    const planted = Object.entries(m.cases)
      .filter(([, c]) => c.detected !== undefined)
      .map(
        ([name, c]) =>
          `${name.replace(/^planted /, '')} ${c.runs ? `${c.detected}/${c.valid}` : 'not measured'}`,
      )
    parts.push(
      `${what}: every planted leak from 8 B/req detected as a new leak every time (${planted.join(', ')}): ` +
        `${metWord(m.plantedOk)}; controls with no false leak and no false regression: ${metWord(m.controlsOk)}.`,
    )
  }
  if (s.modes.sequential) {
    const times = s.timeTargets.map(
      (t) =>
        `${t.case} ${t.medianStepS === undefined ? 'not measured' : `${t.medianStepS.toFixed(1)} s`} ` +
        `(target ≤ ${t.limitS} s): ${metWord(t.met)}`,
    )
    parts.push(`Median step time, sequential: ${times.join('; ')}.`)
  }
  return parts.join(' ')
}

/** Default request rate for sizing boundedcache before any healthy run of the mode. */
export const DEFAULT_RPS = 5000

/**
 * boundedcache's entries: full a quarter into the measured run at healthy's rate (a little less
 * for the cache's own work), from this mode's healthy runs: their median head rate and median
 * measured length (under sequential stopping shorter than durationS). Filling later, the plateau
 * would not cover the second half of the snapshots, where the detector looks for it; a side
 * running at half of healthy's rate still fills by mid-run.
 */
export function cacheEntries(trials: Trial[], mode: Mode, warmupS: number, durationS: number): number {
  const healthy = trials.filter((t) => t.case === 'control: healthy' && t.mode === mode && !t.invalid)
  const rps = medianOf(healthy.map((t) => t.headRps || undefined)) ?? DEFAULT_RPS
  const measuredS = medianOf(healthy.map((t) => t.headMeasuredS)) ?? durationS
  return Math.round(0.9 * rps * (warmupS + measuredS / 4))
}
