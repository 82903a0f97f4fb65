// Analysis speed: `memleak diff A B` against `go tool pprof -top -diff_base A B`
// on the same two large heap profiles, each as a whole process, alternating,
// median of the repetitions; peak RSS from GNU time -v.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { hotFunctions, hotTable } from '../lib/cpuprofile.js'
import type { BenchContext, Section } from '../lib/context.js'
import { busyNote, machine } from '../lib/machine.js'
import { median, mib, note, ratio, seconds, table, writeResults } from '../lib/output.js'
import { cpuMsFromTimeV, maxRssFromTimeV, run, TIME_V, which } from '../lib/proc.js'
import { GEN_DEFAULTS, writePair } from '../gen-profiles.js'

const TARGET_SPEEDUP = 3
const TARGET_RSS = 150 * 2 ** 20

interface Timed {
  wallMs: number
  /** User + system CPU: less inflated than wall time when other work shares the machine. */
  cpuMs?: number
  maxRss?: number
  code: number | null
  stdout: string
}

async function timed(command: string, args: string[], cwd: string): Promise<Timed> {
  const [cmd, argv] = TIME_V ? [TIME_V, ['-v', command, ...args]] : [command, args]
  const r = await run(cmd, argv, { cwd, timeoutMs: 300_000 })
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}: ${r.stderr.slice(-600)}`)
  return {
    wallMs: r.wallMs,
    cpuMs: cpuMsFromTimeV(r.stderr),
    maxRss: maxRssFromTimeV(r.stderr),
    code: r.code,
    stdout: r.stdout,
  }
}

/** A -top table from its "Showing nodes" line on (before it, pprof prints the binary's name and the time). */
function fromShowing(text: string): string | undefined {
  const at = text.indexOf('Showing nodes')
  return at < 0 ? undefined : text.slice(at)
}

export const analysisSection: Section = {
  name: 'analysis',
  about: 'memleak diff vs go tool pprof -top -diff_base on two generated 60k-sample heap profiles',
  async run(ctx: BenchContext): Promise<string> {
    const start = machine()
    const busy = busyNote(start)
    const reps = ctx.reps ?? (ctx.quick ? 3 : 5)
    const cli = join(ctx.dist, 'cli.js')
    if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first (or pass --dist DIR)`)
    warnIfStale(ctx)
    const go = which('go')
    if (!go) note('analysis: go is not on the PATH: the go tool pprof reference is skipped')

    const opts = GEN_DEFAULTS
    const dir = join(ctx.workDir, `profiles/s${opts.samples}-f${opts.functions}-seed${opts.seed}`)
    if (!existsSync(join(dir, 'head.pb.gz'))) {
      note(`analysis: generating ${opts.samples}-sample profiles in ${dir}`)
      writePair(dir, opts)
    }
    const files = ['base.pb.gz', 'head.pb.gz']
    const sizes = files.map((f) => statSync(join(dir, f)).size)

    // Every row, as go tool pprof -top prints them, so both do the same work and print the same table.
    const ours = (): Promise<Timed> =>
      timed(process.execPath, [cli, 'diff', '--limit', '1000000', ...files], dir)
    const pprof = (): Promise<Timed> => timed('go', ['tool', 'pprof', '-top', '-diff_base', ...files], dir)
    const nodeStart = (): Promise<Timed> => timed(process.execPath, ['-e', '0'], dir)

    note(`analysis: one unmeasured run of each (page cache, JIT code cache), then ${reps} alternating`)
    const warmOurs = await ours()
    const warmGo = go ? await pprof() : undefined
    const runs = { ours: [] as Timed[], go: [] as Timed[], nodeStartup: [] as Timed[] }
    for (let i = 0; i < reps; i++) {
      // Alternate which goes first, so neither always follows the other's cache footprint.
      const order = i % 2 === 0 ? ['ours', 'go'] : ['go', 'ours']
      for (const which of order) {
        if (which === 'ours') runs.ours.push(await ours())
        else if (go) runs.go.push(await pprof())
      }
      runs.nodeStartup.push(await nodeStart())
      note(
        `  rep ${i + 1}/${reps}: memleak diff ${seconds(runs.ours.at(-1)!.wallMs)}` +
          (go ? `, go tool pprof ${seconds(runs.go.at(-1)!.wallMs)}` : ''),
      )
    }
    const med = (xs: Timed[]): number => median(xs.map((x) => x.wallMs))
    const peak = (xs: Timed[]): number | undefined =>
      xs.some((x) => x.maxRss !== undefined) ? Math.max(...xs.map((x) => x.maxRss ?? 0)) : undefined
    const medCpu = (xs: Timed[]): number | undefined =>
      xs.every((x) => x.cpuMs !== undefined) && xs.length > 0 ? median(xs.map((x) => x.cpuMs!)) : undefined
    const cpuCell = (xs: Timed[]): string => {
      const c = medCpu(xs)
      return c === undefined ? 'n/a' : seconds(c)
    }
    const oursMs = med(runs.ours)
    const goMs = go ? med(runs.go) : NaN
    const speedup = goMs / oursMs
    const oursRss = peak(runs.ours)
    const goRss = go ? peak(runs.go) : undefined
    const oursTable = fromShowing(warmOurs.stdout)
    const sameTable = warmGo ? oursTable !== undefined && oursTable === fromShowing(warmGo.stdout) : undefined
    const tableLines = oursTable?.split('\n') ?? []
    const header = tableLines.findIndex((l) => /^\s*flat\s+flat%/.test(l))
    const rowsPrinted = header < 0 ? 0 : tableLines.slice(header + 1).filter((l) => l.trim() !== '').length

    // Where our time goes: phases in-process, from the sources, and a CPU profile of one CLI run.
    note('analysis: phase timings (src/profile, in-process) and one run under node --cpu-prof')
    const phasesRun = await run(
      process.execPath,
      ['--import', 'tsx', join(ctx.root, 'bench/lib/analysis-phases.ts'), ...files, ctx.quick ? '2' : '4'],
      { cwd: dir, timeoutMs: 300_000 },
    )
    const phases =
      phasesRun.code === 0
        ? (JSON.parse(phasesRun.stdout) as {
            rounds: { decodeBaseMs: number; decodeHeadMs: number; diffMs: number; wholeMs: number }[]
            maxRssBytes: number
          })
        : undefined
    if (!phases) note(`analysis: phase timings failed: ${phasesRun.stderr.slice(-400)}`)
    const profDir = join(ctx.workDir, 'cpuprof')
    rmSync(profDir, { recursive: true, force: true })
    mkdirSync(profDir, { recursive: true })
    await run(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-dir', profDir, cli, 'diff', '--limit', '1000000', ...files],
      {
        cwd: dir,
        timeoutMs: 300_000,
      },
    )
    const profFile = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))
    const hot = profFile ? hotFunctions(join(profDir, profFile), 10) : undefined

    await writeResults(
      'analysis',
      {
        busy,
        profiles: {
          dir,
          samples: opts.samples,
          functions: opts.functions,
          seed: opts.seed,
          gzippedBytes: sizes,
        },
        reps,
        medianMs: { ours: oursMs, goToolPprof: goMs, nodeStartup: med(runs.nodeStartup) },
        medianCpuMs: {
          ours: medCpu(runs.ours),
          goToolPprof: medCpu(runs.go),
          nodeStartup: medCpu(runs.nodeStartup),
        },
        speedup,
        peakRssBytes: { ours: oursRss, goToolPprof: goRss },
        targets: { speedup: TARGET_SPEEDUP, peakRssBytes: TARGET_RSS },
        identicalTable: sameTable,
        rowsPrinted,
        // Without the printed tables: they are the same every run.
        runs: Object.fromEntries(
          Object.entries(runs).map(([k, xs]) => [k, xs.map(({ stdout: _stdout, ...rest }) => rest)]),
        ),
        phases,
        cpuProfile: profFile ? { file: join(profDir, profFile), ...hot } : undefined,
      },
      start,
    )

    const verdict = (ok: boolean): string => (ok ? 'meets target' : '**misses target**')
    let md = `### Analysis speed: decode + aggregate + diff of two heap profiles\n\n`
    md += `${opts.samples.toLocaleString('en')} samples, ${opts.functions.toLocaleString('en')} functions, stacks ${opts.minDepth}–${opts.maxDepth} deep (bench/gen-profiles.ts, seed ${opts.seed}; ${mib(sizes[0])} + ${mib(sizes[1])} gzipped). Whole processes, median of ${reps}, alternating.\n\n`
    md += table(
      ['command', 'median wall', 'median CPU (user+sys)', 'peak RSS', 'wall vs go tool pprof'],
      [
        [
          '`memleak diff --limit 1000000 A B`',
          seconds(oursMs),
          cpuCell(runs.ours),
          mib(oursRss),
          go ? ratio(speedup, 1) + ' faster' : 'n/a',
        ],
        [
          '`go tool pprof -top -diff_base A B`',
          go ? seconds(goMs) : 'skipped (no go)',
          go ? cpuCell(runs.go) : 'n/a',
          mib(goRss),
          '1×',
        ],
        [
          '`node -e 0` (startup floor)',
          seconds(med(runs.nodeStartup)),
          cpuCell(runs.nodeStartup),
          mib(peak(runs.nodeStartup)),
          '',
        ],
      ],
    )
    md += `\n\nTargets: ≥ ${TARGET_SPEEDUP}× faster (${go ? verdict(speedup >= TARGET_SPEEDUP) : 'not measured'}), peak RSS < ${mib(TARGET_RSS)} (${oursRss === undefined ? 'not measured' : verdict(oursRss < TARGET_RSS)}).`
    if (sameTable !== undefined) {
      md += ` Same table printed by both (from "Showing nodes" on, ${rowsPrinted} rows): ${sameTable ? 'yes, byte for byte' : '**no**'}.`
    }
    if (phases) {
      const cold = phases.rounds[0]!
      const warm = phases.rounds.slice(1)
      const w = (k: keyof typeof cold): string =>
        warm.length ? `${median(warm.map((r) => r[k])).toFixed(0)} ms` : 'n/a'
      md += `\n\nPhases in-process (src/profile; cold first round, as the CLI runs, and warm median):\n\n`
      md += table(
        ['phase', 'cold', 'warm'],
        [
          ['decode base', `${cold.decodeBaseMs.toFixed(0)} ms`, w('decodeBaseMs')],
          ['decode head', `${cold.decodeHeadMs.toFixed(0)} ms`, w('decodeHeadMs')],
          ['aggregate + diff', `${cold.diffMs.toFixed(0)} ms`, w('diffMs')],
          ['diffFiles (all + -top text)', `${cold.wholeMs.toFixed(0)} ms`, w('wholeMs')],
        ],
      )
    }
    if (hot) {
      md += `\n\nOne \`memleak diff\` under \`node --cpu-prof\` (${seconds(hot.totalMs)} sampled), self time:\n\n`
      md += hotTable(hot)
    }
    if (busy) md += `\n\n_${busy}._`
    return `${md}\n`
  },
}

function warnIfStale(ctx: BenchContext): void {
  const built = statSync(join(ctx.dist, 'cli.js')).mtimeMs
  const newest = (dir: string): number =>
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .reduce((m, e) => Math.max(m, statSync(join(e.parentPath, e.name)).mtimeMs), 0)
  if (newest(join(ctx.root, 'src')) > built) {
    note(
      `analysis: warning: src/ has changes newer than ${ctx.dist}/cli.js; run npm run build for current numbers`,
    )
  }
}
