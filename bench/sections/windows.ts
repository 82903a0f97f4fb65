// Honest windows: a head that leaks fast (4 KiB/request, a heap of hundreds of MB
// within seconds) and also allocates about 13% more per request than base. Each
// snapshot's forced GC and scrape of that heap take long; unless the request count
// and the profile cover the same requests, the per-window bytes/request scatter and
// the regression is missed. The load is held during each snapshot, so it must be
// found in every run.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchContext, Section } from '../lib/context.js'
import { busyNote, machine } from '../lib/machine.js'
import { median, note, table, writeResults } from '../lib/output.js'
import { plantedCase, runTrial, type Trial } from '../lib/study.js'

const LEAK_BYTES = 4096
const GARBAGE_BYTES = 28 * 1024
const WARMUP_S = 2
const DURATION_S = 12

const CASE = plantedCase(
  LEAK_BYTES,
  `GARBAGE_BYTES=${GARBAGE_BYTES}`,
  `planted ${LEAK_BYTES} B/req over ${GARBAGE_BYTES / 1024} KiB/req of garbage`,
)

export const windowsSection: Section = {
  name: 'windows',
  about: 'a fast leak that also allocates ~13% more: the regression is found every time',
  async run(ctx: BenchContext): Promise<string> {
    const startMachine = machine()
    const busy = busyNote(startMachine)
    const cli = join(ctx.dist, 'cli.js')
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (or pass --dist DIR)`)
    const reps = ctx.reps ?? (ctx.quick ? 2 : 5)
    const durationS = ctx.durations?.[0] ?? DURATION_S
    note(`windows: ${CASE.name}, warmup ${WARMUP_S}s, duration ${durationS}s, ${reps} runs`)
    const trials: Trial[] = []
    for (let rep = 1; rep <= reps; rep++) {
      trials.push(await runTrial(CASE, { cli, workDir: ctx.workDir, warmupS: WARMUP_S, durationS, rep }))
    }
    await writeResults(
      'windows',
      { busy, leakBytes: LEAK_BYTES, garbageBytes: GARBAGE_BYTES, reps, trials },
      startMachine,
    )
    const valid = trials.filter((t) => !t.invalid)
    const found = valid.filter((t) => t.regression).length
    const leaks = valid.filter((t) => t.newLeak && t.atRetain).length
    let md = `### Honest windows\n\n`
    md += `${CASE.name} (test/fixtures/go/planted, GARBAGE_BYTES on both sides), warmup ${WARMUP_S} s, ${durationS} s a side, ${reps} runs.\n\n`
    md += table(
      [
        'runs',
        'allocation regression found',
        'new leak at retain',
        'median leak estimate, B/req',
        'median wall per run',
      ],
      [
        [
          `${valid.length}/${trials.length} valid`,
          `${found}/${valid.length}`,
          `${leaks}/${valid.length}`,
          valid.length
            ? median(valid.filter((t) => t.rate !== undefined).map((t) => t.rate!)).toFixed(0)
            : '–',
          trials.length ? `${Math.round(median(trials.map((t) => t.wallMs)) / 1000)} s` : '–',
        ],
      ],
    )
    if (busy) md += `\n${busy}\n`
    return md
  },
}
