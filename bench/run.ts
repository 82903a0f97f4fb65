// `npm run bench [-- SECTION... ] [options]`: the benchmarks of issue 6 and the
// detection study of issue 4. Markdown on stdout (pasteable into docs/measured.md),
// progress on stderr, raw results in bench/results/<section>.json.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultContext, type BenchContext, type Section } from './lib/context.js'
import { MODES, type Mode } from './lib/detection-summary.js'
import { machine, machineLine } from './lib/machine.js'
import { note, setInvocation } from './lib/output.js'
import { analysisSection } from './sections/analysis.js'
import { detectionSection } from './sections/detection.js'
import { loadSection } from './sections/load.js'
import { overheadSection } from './sections/overhead.js'
import { verdictSection } from './sections/verdict.js'
import { windowsSection } from './sections/windows.js'

const SECTIONS: Section[] = [
  analysisSection,
  loadSection,
  overheadSection,
  verdictSection,
  windowsSection,
  detectionSection,
]
/** Without a section name: everything but the slow detection study. */
const DEFAULT = ['analysis', 'load', 'overhead', 'verdict']

const USAGE = `usage: npm run bench -- [SECTION...] [options]

sections (default: ${DEFAULT.join(' ')}; "all" adds detection):
${SECTIONS.map((s) => `  ${s.name.padEnd(10)} ${s.about}`).join('\n')}

options:
  --quick            fewer repetitions and shorter runs (a smoke test of the bench, not figures to quote)
  --reps N           repetitions (analysis, overhead, verdict, detection) or rounds (load)
  --duration S[,S]   load: seconds per run; verdict: durations to try; detection: seconds a side of the fixed reference (default 60)
  --threads N[,N]    load: worker threads of the built-in generator (and wrk -t), default 1
  --sizes B[,B]      detection: planted leaks in bytes/request (default 8,32,128,1024), or none
  --controls F[,F]   detection: A/A control fixtures (default healthy,churn,boundedcache), or none
  --modes M[,M]      detection: sequential (the action's defaults), fixed (--stop-early false), or both (default)
  --fixed-reps N     detection: the fixed reference in the first N reps only (default all of --reps)
  --dist DIR         the built CLI to measure (default dist/; build it first with npm run build)

Needs go, git, and for the load references wrk and ab (apt-get install -y wrk apache2-utils).`

function list(v: string | undefined, name: string): number[] | undefined {
  if (v === undefined) return undefined
  if (v === 'none') return []
  const xs = v.split(',').map(Number)
  if (xs.some((x) => !Number.isFinite(x) || x <= 0))
    throw new Error(`--${name}: expected positive numbers, got ${v}`)
  return xs
}

function modes(v: string | undefined): Mode[] | undefined {
  if (v === undefined) return undefined
  const ms = v.split(',')
  const bad = ms.filter((m) => !(MODES as readonly string[]).includes(m))
  if (bad.length || ms.length === 0)
    throw new Error(`--modes: expected ${MODES.join(', ')} (comma-separated), got ${v}`)
  return ms as Mode[]
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean' },
      reps: { type: 'string' },
      duration: { type: 'string' },
      threads: { type: 'string' },
      sizes: { type: 'string' },
      controls: { type: 'string' },
      modes: { type: 'string' },
      'fixed-reps': { type: 'string' },
      dist: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const names =
    positionals.length === 0
      ? DEFAULT
      : positionals.includes('all')
        ? SECTIONS.map((s) => s.name)
        : positionals
  const unknown = names.filter((n) => !SECTIONS.some((s) => s.name === n))
  if (unknown.length) {
    process.stderr.write(`bench: unknown section ${unknown.join(', ')}\n\n${USAGE}\n`)
    return 2
  }
  const ctx: BenchContext = {
    ...defaultContext(),
    quick: values.quick ?? false,
    reps: list(values.reps, 'reps')?.[0],
    durations: list(values.duration, 'duration'),
    threads: list(values.threads, 'threads') ?? [1],
    sizes: list(values.sizes, 'sizes'),
    controls: values.controls === 'none' ? [] : values.controls?.split(','),
    modes: modes(values.modes),
    fixedReps: list(values['fixed-reps'], 'fixed-reps')?.[0],
  }
  if (values.dist) ctx.dist = resolve(values.dist)
  setInvocation(process.argv.slice(2), ctx.quick)

  const m = machine()
  process.stdout.write(
    `## memleak-action benchmarks\n\nMachine: ${machineLine(m)}.${ctx.quick ? ' Quick mode.' : ''}\n\n`,
  )
  let failed = 0
  for (const name of names) {
    const section = SECTIONS.find((s) => s.name === name)!
    note(`\n== bench ${name}: ${section.about}`)
    const t0 = performance.now()
    try {
      process.stdout.write(`${await section.run(ctx)}\n`)
    } catch (err) {
      failed++
      note(`bench ${name} failed: ${(err as Error).stack ?? String(err)}`)
      process.stdout.write(`### ${name}\n\n**Failed:** ${(err as Error).message.split('\n')[0]}\n\n`)
    }
    note(`== bench ${name} took ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  }
  return failed > 0 ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).message}\n`)
    process.exit(2)
  },
)
