// The detection study (issues 4 and 16): planted leaks (head retains N B/request,
// base none) and A/A controls (the same code on both sides, so anything reported
// is false), each measured two ways in the same run: "sequential", the action's
// defaults (each side stops once its answer is known, duration the most), and
// "fixed", --stop-early false over the whole duration (the reference). Repetitions
// go round-robin over the cases, and the two modes of a case run back to back
// (which first alternates by rep), so a change in the machine's load mid-study
// hits every case and both modes alike.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchContext, Section } from '../lib/context.js'
import {
  MODES,
  cacheEntries,
  detectionTable,
  summarise,
  targetsLine,
  type Mode,
} from '../lib/detection-summary.js'
import { busyNote, machine } from '../lib/machine.js'
import { cliDefaults, type CliDefaults } from '../lib/memleak.js'
import { note, writeResults } from '../lib/output.js'
import { controlCase, plantedCase, runTrial, type Case, type Trial, type TrialOptions } from '../lib/study.js'

const SIZES = [8, 32, 128, 1024]
const CONTROLS = ['healthy', 'churn', 'boundedcache']
/** Measured seconds a side of the fixed reference (issue 16: sequential's duration, 60 s). */
const FIXED_S = 60
/** Bytes per boundedcache entry: the cache plateaus at entries × this. */
const CACHE_ENTRY_BYTES = 256
/** Rough wall time of one sequential run (two sides stopping early, builds, analysis), s. */
const SEQUENTIAL_RUN_S = 40

interface ModeSetup {
  label: string
  /** Recorded in each trial: the action's defaults, or what is passed. */
  warmupS: number
  durationS: number
  /** As the CLI is started: what is left to its defaults, what is added. */
  flags: Pick<TrialOptions, 'leaveDefault' | 'extra'>
  /** Estimated wall time of one run, s. */
  perRunS: number
}

function setups(fixedS: number, { warmupS, durationS }: CliDefaults): Record<Mode, ModeSetup> {
  return {
    // Nothing passed for warmup, duration or stop-early: the defaults, literally.
    sequential: {
      label: 'sequential',
      warmupS,
      durationS,
      flags: { leaveDefault: ['warmup', 'duration'] },
      perRunS: SEQUENTIAL_RUN_S,
    },
    // The same warmup (the CLI's default too), fixed sides of fixedS.
    fixed: {
      label: `fixed ${fixedS} s`,
      warmupS,
      durationS: fixedS,
      flags: { leaveDefault: ['warmup'], extra: ['--stop-early', 'false'] },
      perRunS: 2 * (warmupS + fixedS) + 30,
    },
  }
}

export const detectionSection: Section = {
  name: 'detection',
  about:
    'issues 4 and 16: planted leaks of 8–1024 B/req and A/A controls, sequential and fixed 60 s, how often each is reported and how long a step takes (slow)',
  async run(ctx: BenchContext): Promise<string> {
    const startMachine = machine()
    const busy = busyNote(startMachine)
    const cli = join(ctx.dist, 'cli.js')
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (or pass --dist DIR)`)
    // What the CLI measured does with the flags left out (the trials record it).
    const defaults = cliDefaults(cli)
    if (!defaults.stopEarly)
      throw new Error(
        `${cli} has no --stop-early flag (issue 16): build a CLI that has it (or pass --dist DIR)`,
      )
    const reps = ctx.reps ?? (ctx.quick ? 2 : 5)
    const fixedReps = Math.min(reps, ctx.fixedReps ?? reps)
    const modes = MODES.filter((m) => (ctx.modes ?? MODES).includes(m))
    const sizes = ctx.sizes ?? (ctx.quick ? [32, 1024] : SIZES)
    const controls = ctx.controls ?? CONTROLS
    const setup = setups(ctx.durations?.[0] ?? FIXED_S, defaults)
    const labels = { sequential: setup.sequential.label, fixed: setup.fixed.label }
    // healthy first: each mode's request rate and measured length there size boundedcache.
    const ordered = [...controls].sort((a, b) => Number(b === 'healthy') - Number(a === 'healthy'))
    const runsOf = (m: Mode): number => (m === 'fixed' ? fixedReps : reps)
    const nCases = ordered.length + sizes.length
    const estimateS = nCases * modes.reduce((s, m) => s + runsOf(m) * setup[m].perRunS, 0)
    note(
      `detection: ${nCases} cases × ${modes.map((m) => `${runsOf(m)} reps ${labels[m]} (~${setup[m].perRunS} s a run)`).join(' + ')}, about ${Math.round(estimateS / 60)} min or more`,
    )

    const trials: Trial[] = []
    const entries: Record<Mode, number[]> = { sequential: [], fixed: [] }
    const makeCase = (name: string, mode: Mode): Case => {
      const bytes = /^planted (\d+) B\/req$/.exec(name)?.[1]
      if (bytes) return plantedCase(Number(bytes))
      const fixture = name.replace(/^control: /, '')
      if (fixture !== 'boundedcache') return controlCase(fixture)
      const n = cacheEntries(trials, mode, setup[mode].warmupS, setup[mode].durationS)
      entries[mode].push(n)
      return controlCase(fixture, `CACHE_ENTRIES=${n}\nCACHE_ENTRY_BYTES=${CACHE_ENTRY_BYTES}`)
    }
    const names = [...ordered.map((f) => `control: ${f}`), ...sizes.map((b) => `planted ${b} B/req`)]
    const results = (partial: boolean): Record<string, unknown> => ({
      partial,
      busy,
      modes: Object.fromEntries(modes.map((m) => [m, { ...setup[m], reps: runsOf(m) }])),
      reps,
      fixedReps,
      sizes,
      controls: ordered,
      boundedcache: { entryBytes: CACHE_ENTRY_BYTES, entries },
      summary: summarise(trials, { modes, sizes, controls: ordered }),
      trials,
    })

    for (let rep = 1; rep <= reps; rep++) {
      const now = modes.filter((m) => rep <= runsOf(m))
      const order = rep % 2 ? now : [...now].reverse()
      for (const name of names) {
        for (const mode of order) {
          const s = setup[mode]
          const c = makeCase(name, mode)
          const opts = { cli, workDir: ctx.workDir, warmupS: s.warmupS, durationS: s.durationS, rep }
          trials.push(await runTrial(c, { ...opts, ...s.flags, mode }))
          await writeResults('detection', results(true), startMachine)
        }
      }
    }

    await writeResults('detection', results(false), startMachine)
    const summary = summarise(trials, { modes, sizes, controls: ordered })
    const seq = setup.sequential
    const described = {
      sequential: `sequential, the action's defaults (warmup ${seq.warmupS} s, each side stopping once its answer is known, ${seq.durationS} s at most; ${runsOf('sequential')} repetitions)`,
      fixed: `${labels.fixed}, \`--stop-early false\` over the whole ${setup.fixed.durationS} s a side after the same warmup (the reference; ${runsOf('fixed')} repetitions)`,
    }
    let md = `### Detection study\n\n`
    md += `Planted: base and head are test/fixtures/go/planted, head retaining N B/request (its LEAK_BYTES default changed in code), base none. Controls: A/A, the same fixture on both sides, so any leak or regression reported is false. `
    md +=
      modes.length > 1
        ? `Two modes in the same run: ${modes.map((m) => described[m]).join(', and ')}; round-robin over cases, the two modes of a case back to back. `
        : `One mode: ${described[modes[0]!]}; round-robin over cases. `
    md += `Step time: the whole \`memleak run\` (builds, both sides, analysis).`
    const sized = modes.filter((m) => entries[m].length)
    if (sized.length)
      md += ` boundedcache holds ${sized.map((m) => `${entries[m].map((e) => e.toLocaleString('en')).join('/')} (${labels[m]})`).join(', ')} entries of ${CACHE_ENTRY_BYTES} B, sized from that mode's healthy runs (rate and measured length) to fill a quarter into the run, by mid-run at half that rate.`
    md += `\n\n${detectionTable(summary, labels)}\n\n${targetsLine(summary, labels)}`
    if (busy) md += `\n\n_${busy}._`
    return `${md}\n`
  },
}
