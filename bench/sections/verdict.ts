// Time to verdict: the shortest measured duration at which a planted leak of
// 32 B/request is detected in every repetition. Durations are tried shortest
// first; a duration is abandoned at its first miss.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchContext, Section } from '../lib/context.js'
import { busyNote, machine } from '../lib/machine.js'
import { median, note, table, writeResults } from '../lib/output.js'
import { detected, plantedCase, runTrial, type Trial } from '../lib/study.js'

const LEAK_BYTES = 32
const WARMUP_S = 5
const DURATIONS = [5, 10, 20, 30]

export const verdictSection: Section = {
  name: 'verdict',
  about: `shortest duration at which a planted ${LEAK_BYTES} B/request leak is detected every time`,
  async run(ctx: BenchContext): Promise<string> {
    const startMachine = machine()
    const busy = busyNote(startMachine)
    const cli = join(ctx.dist, 'cli.js')
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (or pass --dist DIR)`)
    const reps = ctx.reps ?? (ctx.quick ? 2 : 5)
    const durations = ctx.durations ?? DURATIONS
    const c = plantedCase(LEAK_BYTES)
    const trials: Trial[] = []
    let shortest: number | undefined
    for (const durationS of durations) {
      note(`verdict: ${c.name}, warmup ${WARMUP_S}s, duration ${durationS}s, up to ${reps} runs`)
      let all = true
      for (let rep = 1; rep <= reps; rep++) {
        const t = await runTrial(c, { cli, workDir: ctx.workDir, warmupS: WARMUP_S, durationS, rep })
        trials.push(t)
        if (!detected(t)) {
          all = false
          break
        }
      }
      if (all) {
        shortest = durationS
        break
      }
    }
    await writeResults(
      'verdict',
      {
        busy,
        leakBytes: LEAK_BYTES,
        warmupS: WARMUP_S,
        durations,
        reps,
        shortestDurationS: shortest,
        trials,
      },
      startMachine,
    )
    const rows = durations
      .map((d) => {
        const ts = trials.filter((t) => t.durationS === d)
        if (ts.length === 0) return undefined
        const hits = ts.filter(detected).length
        const rates = ts.filter((t) => t.rate !== undefined).map((t) => t.rate!)
        const stopped = ts.length < reps && hits < ts.length ? ' (stopped at the first miss)' : ''
        const served = ts.filter((t) => t.headRequests !== undefined).map((t) => t.headRequests!)
        const range = served.length
          ? `${Math.min(...served).toLocaleString('en')}–${Math.max(...served).toLocaleString('en')}`
          : '–'
        return [
          `${d} s`,
          `${hits}/${ts.length}${stopped}`,
          range,
          rates.length ? `${median(rates).toFixed(1)}` : '–',
          `${Math.round(median(ts.map((t) => t.wallMs)) / 1000)} s`,
        ]
      })
      .filter((r): r is string[] => r !== undefined)
    let md = `### Time to verdict\n\n`
    md += `Planted leak of ${LEAK_BYTES} B/request (test/fixtures/go/planted; base retains 0), warmup ${WARMUP_S} s a side; durations tried shortest first, ${reps} runs each.\n\n`
    md += table(
      ['duration', 'detected (new leak at retain)', 'median estimate, B/req', 'median wall per run'],
      rows,
    )
    md += `\n\nShortest duration detected ${reps}/${reps}: ${shortest === undefined ? `**none of ${durations.join(', ')} s**` : `**${shortest} s**`}.`
    md += ` Detection depends on the requests served, not the seconds: a slower machine needs longer.`
    if (busy) md += `\n\n_${busy}._`
    return `${md}\n`
  },
}
