// The detection study (issue 4): planted leaks (head retains N B/request, base
// none) and A/A controls (the same code on both sides, so anything reported is
// false), 5 s warmup and 20 s measured load a side, repeated. Repetitions go
// round-robin over the cases so a change in the machine's load mid-study hits
// every case alike.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchContext, Section } from '../lib/context.js'
import { busyNote, machine } from '../lib/machine.js'
import { median, note, table, writeResults } from '../lib/output.js'
import { controlCase, detected, plantedCase, runTrial, type Case, type Trial } from '../lib/study.js'

const WARMUP_S = 5
const DURATION_S = 20
const SIZES = [8, 32, 128, 1024]
const CONTROLS = ['healthy', 'churn', 'boundedcache']
/** Bytes per boundedcache entry: the cache plateaus at entries × this. */
const CACHE_ENTRY_BYTES = 256

export const detectionSection: Section = {
  name: 'detection',
  about: 'issue 4 study: planted leaks of 8–1024 B/req and A/A controls, how often each is reported (slow)',
  async run(ctx: BenchContext): Promise<string> {
    const startMachine = machine()
    const busy = busyNote(startMachine)
    const cli = join(ctx.dist, 'cli.js')
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (or pass --dist DIR)`)
    const reps = ctx.reps ?? (ctx.quick ? 2 : 5)
    const sizes = ctx.sizes ?? (ctx.quick ? [32, 1024] : SIZES)
    const controls = ctx.controls ?? CONTROLS
    const durationS = ctx.durations?.[0] ?? DURATION_S
    // healthy first: its request rate sizes boundedcache so that it fills a quarter into the run.
    const ordered = [...controls].sort((a, b) => Number(b === 'healthy') - Number(a === 'healthy'))
    const trials: Trial[] = []
    const cacheEntries: number[] = []
    const perRun = 2 * (WARMUP_S + durationS) + 30
    note(
      `detection: ${ordered.length + sizes.length} cases × ${reps} reps, about ${Math.round(((ordered.length + sizes.length) * reps * perRun) / 60)} min or more`,
    )
    for (let rep = 1; rep <= reps; rep++) {
      const cases: Case[] = []
      for (const fixture of ordered) {
        if (fixture === 'boundedcache') {
          const rates = trials
            .filter((t) => t.case === 'control: healthy' && t.headRps)
            .map((t) => t.headRps!)
          const rps = rates.length ? median(rates) : 5000
          // Full a quarter into the measured run at healthy's rate (a little less for the cache's own
          // work). Filling later, the plateau would not cover the second half of the snapshots, where
          // the detector looks for it; a side running at half of healthy's rate still fills by mid-run.
          const entries = Math.round(0.9 * rps * (WARMUP_S + durationS / 4))
          cacheEntries.push(entries)
          cases.push({
            ...controlCase(fixture, `CACHE_ENTRIES=${entries}\nCACHE_ENTRY_BYTES=${CACHE_ENTRY_BYTES}`),
          })
        } else cases.push(controlCase(fixture))
      }
      for (const bytes of sizes) cases.push(plantedCase(bytes))
      for (const c of cases) {
        trials.push(await runTrial(c, { cli, workDir: ctx.workDir, warmupS: WARMUP_S, durationS, rep }))
        await writeResults(
          'detection',
          { partial: true, busy, warmupS: WARMUP_S, durationS, reps, sizes, controls, trials },
          startMachine,
        )
      }
    }

    const names = [...ordered.map((f) => `control: ${f}`), ...sizes.map((b) => `planted ${b} B/req`)]
    const rows = names.map((name) => {
      const ts = trials.filter((t) => t.case === name)
      const valid = ts.filter((t) => !t.invalid)
      const count = (f: (t: Trial) => boolean): string => `${valid.filter(f).length}/${valid.length}`
      const isPlanted = name.startsWith('planted')
      const rates = valid.filter((t) => t.rate !== undefined).map((t) => t.rate!)
      return [
        name,
        isPlanted ? count(detected) : '–',
        count((t) => t.leak),
        count((t) => t.newLeak),
        count((t) => t.regression),
        String(ts.length - valid.length),
        rates.length ? median(rates).toFixed(1) : '–',
        valid.length ? Math.round(median(valid.map((t) => t.headRps ?? 0))).toLocaleString('en') : '–',
      ]
    })
    const summary = targets(trials, sizes, ordered)
    await writeResults(
      'detection',
      {
        partial: false,
        busy,
        warmupS: WARMUP_S,
        durationS,
        reps,
        sizes,
        controls: ordered,
        boundedcache: { entryBytes: CACHE_ENTRY_BYTES, entries: cacheEntries },
        summary,
        trials,
      },
      startMachine,
    )
    let md = `### Detection study\n\n`
    md += `Planted: base and head are test/fixtures/go/planted, head retaining N B/request (its LEAK_BYTES default changed in code), base none. Controls: A/A, the same fixture on both sides, so any leak or regression reported is false. Warmup ${WARMUP_S} s and ${durationS} s measured load a side, ${reps} repetitions, round-robin over cases.`
    if (cacheEntries.length)
      md += ` boundedcache holds ${cacheEntries.map((e) => e.toLocaleString('en')).join('/')} entries of ${CACHE_ENTRY_BYTES} B (sized from healthy's rate to fill a quarter into the run, by mid-run at half that rate).`
    md += `\n\n`
    md += table(
      [
        'case',
        'detected (new leak at retain)',
        'leak reported',
        'new leak',
        'regression',
        'invalid runs',
        'median estimate, B/req',
        'head req/s',
      ],
      rows,
    )
    md += `\n\nTargets: every planted leak ≥ 32 B/req detected every time: ${summary.plantedOk ? 'met' : '**not met**'}; controls with no false leak and no false regression: ${summary.controlsOk ? 'met' : '**not met**'}.`
    if (busy) md += `\n\n_${busy}._`
    return `${md}\n`
  },
}

function targets(
  trials: Trial[],
  sizes: number[],
  controls: string[],
): { plantedOk: boolean; controlsOk: boolean } {
  const valid = trials.filter((t) => !t.invalid)
  const plantedOk = sizes
    .filter((b) => b >= 32)
    .every((b) => {
      const ts = valid.filter((t) => t.case === `planted ${b} B/req`)
      return ts.length > 0 && ts.every(detected)
    })
  const controlsOk = controls.every((f) => {
    const ts = valid.filter((t) => t.case === `control: ${f}`)
    return ts.length > 0 && ts.every((t) => !t.leak && !t.regression)
  })
  return { plantedOk, controlsOk }
}
