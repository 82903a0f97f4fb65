// Overhead: the wall time of a whole `memleak run` on the demo PR (the Gin
// example; head adds a global map cache) minus what the user configured
// (warmup + duration, both sides) and minus the two builds. The log lines,
// timed as they arrive, say where the rest goes.
import { join } from 'node:path'
import { existsSync } from 'node:fs'
import type { BenchContext, Section } from '../lib/context.js'
import { busyNote, machine } from '../lib/machine.js'
import { memleakRun, type LogLine } from '../lib/memleak.js'
import { median, note, seconds, table, writeResults } from '../lib/output.js'
import { demoPr } from '../lib/repo.js'

const TARGET_MS = 10_000
const WARMUP_S = 2
const DURATION_S = 12

interface Phase {
  name: string
  ms: number
  /** Part of what the user asked for (warmup, duration) rather than overhead. */
  configured: boolean
}

/** Splits a run's log into phases between the pipeline's milestones. */
export function phases(log: LogLine[], wallMs: number): Phase[] {
  const marks: { at: number; name: string; configured?: boolean }[] = [{ at: 0, name: 'node start, inputs' }]
  const mark = (re: RegExp, name: (m: RegExpExecArray) => string, configured = false): void => {
    for (const l of log) {
      const m = re.exec(l.text)
      if (m) marks.push({ at: l.atMs, name: name(m), configured })
    }
  }
  mark(/^== Build$/, () => 'worktree, builds')
  mark(/^== Measure (\w+)$/, (m) => `${m[1]}: start service`)
  mark(/^(\w+): ready after/, (m) => `${m[1]}: pprof check`)
  mark(/^(\w+): warming up/, (m) => `${m[1]}: warmup`, true)
  mark(/^(\w+) S0\//, (m) => `${m[1]}: measured load (S0→Sn)`, true)
  mark(/^(\w+) S(\d+)\/\2 /, (m) => `${m[1]}: stop load`)
  mark(/^(\w+): load done/, (m) => `${m[1]}: settle, Sf`)
  mark(/^(\w+) Sf /, (m) => `${m[1]}: stop service`)
  mark(/^report: /, () => 'exit')
  marks.sort((a, b) => a.at - b.at)
  // What follows the last Sf until the report line: dumps written, decode, analysis, rendering.
  let lastSf = -1
  marks.forEach((m, i) => {
    if (m.name.endsWith('stop service')) lastSf = i
  })
  if (lastSf >= 0)
    marks[lastSf]!.name = `${marks[lastSf]!.name.split(':')[0]}: stop service, decode, analyse, report`
  const out: Phase[] = []
  for (let i = 0; i < marks.length; i++) {
    const end = i + 1 < marks.length ? marks[i + 1]!.at : wallMs
    out.push({ name: marks[i]!.name, ms: end - marks[i]!.at, configured: marks[i]!.configured ?? false })
  }
  return out
}

export const overheadSection: Section = {
  name: 'overhead',
  about: 'wall time of a full memleak run on the demo PR minus warmup, duration and builds',
  async run(ctx: BenchContext): Promise<string> {
    const startMachine = machine()
    const busy = busyNote(startMachine)
    const cli = join(ctx.dist, 'cli.js')
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (or pass --dist DIR)`)
    const reps = ctx.reps ?? (ctx.quick ? 1 : 2)
    const configuredMs = 2 * (WARMUP_S + DURATION_S) * 1000
    const runs = []
    for (let i = 0; i < reps; i++) {
      const repo = demoPr(join(ctx.workDir, 'repos'))
      try {
        note(
          `overhead: run ${i + 1}/${reps}: memleak run on the demo PR (warmup ${WARMUP_S}s, duration ${DURATION_S}s)`,
        )
        const r = await memleakRun({
          cli,
          repo: repo.dir,
          baseRef: repo.baseSha,
          package: '.',
          requests: 'GET /time',
          warmupS: WARMUP_S,
          durationS: DURATION_S,
          outDir: join(repo.dir, '.memleak'),
        })
        if (r.code !== 1)
          throw new Error(`memleak run exited ${r.code} (expected 1: the demo leaks):\n${r.stderrTail}`)
        const buildMs = (r.buildMs.base ?? 0) + (r.buildMs.head ?? 0)
        const overheadMs = r.wallMs - configuredMs - buildMs
        note(`  wall ${seconds(r.wallMs)}, builds ${seconds(buildMs)}, overhead ${seconds(overheadMs)}`)
        runs.push({
          wallMs: r.wallMs,
          buildMs: r.buildMs,
          overheadMs,
          phases: phases(r.log, r.wallMs),
          log: r.log,
        })
      } finally {
        repo.remove()
      }
    }
    const overhead = median(runs.map((r) => r.overheadMs))
    await writeResults(
      'overhead',
      {
        busy,
        warmupS: WARMUP_S,
        durationS: DURATION_S,
        configuredMs,
        targetMs: TARGET_MS,
        medianOverheadMs: overhead,
        runs,
      },
      startMachine,
    )
    const last = runs.at(-1)!
    let md = `### Overhead of a full run\n\n`
    md += `\`memleak run\` on the demo PR (examples/gin-service → demo-head), warmup ${WARMUP_S} s + duration ${DURATION_S} s a side. Overhead = wall − ${seconds(configuredMs, 0)} configured − both builds${reps > 1 ? `; median of ${reps} runs` : ''}.\n\n`
    md += table(
      ['run', 'wall', 'builds (base + head)', 'configured load', 'overhead'],
      runs.map((r, i) => [
        i + 1,
        seconds(r.wallMs, 1),
        `${seconds(r.buildMs.base ?? NaN, 1)} + ${seconds(r.buildMs.head ?? NaN, 1)}`,
        seconds(configuredMs, 0),
        seconds(r.overheadMs, 1),
      ]),
    )
    md += `\n\nTarget: overhead < ${seconds(TARGET_MS, 0)}: ${overhead < TARGET_MS ? 'meets target' : '**misses target**'} (${seconds(overhead, 1)}).\n\n`
    md += `Where the time went (last run; configured phases in italics):\n\n`
    md += table(
      ['phase', 'time'],
      last.phases.map((p) => [p.configured ? `_${p.name}_` : p.name, seconds(p.ms)]),
    )
    if (busy) md += `\n\n_${busy}._`
    return `${md}\n`
  },
}
