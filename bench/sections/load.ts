// Load generator throughput: the built-in generator (src/load, in this
// process's worker threads) against wrk and ab -k, on one healthy Go service,
// same connections and duration, runs alternating so drift in the machine's
// load hits every tool alike.
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startLoad } from '../../src/load/generator.js'
import { parseRequests } from '../../src/load/requests.js'
import type { BenchContext, Section } from '../lib/context.js'
import { hotFunctions, hotTable, type HotFunction } from '../lib/cpuprofile.js'
import { buildFixture } from '../lib/gobuild.js'
import { busyNote, machine } from '../lib/machine.js'
import { median, note, ratio, table, writeResults } from '../lib/output.js'
import { cpuMsFromTimeV, freePort, run, sleep, start, TIME_V, waitReady, which } from '../lib/proc.js'

const CONNECTIONS = 16
/** Pipelining depth of the second built-in variant measured (Go's net/http answers pipelined requests in order). */
const PIPELINE = 4
const OURS = 'memleak (built-in)'
const OURS_PIPELINED = `memleak (built-in, pipeline ${PIPELINE})`
const OURS_VARIED = 'memleak (built-in, placeholders)'
/** The placeholder variant: every request rendered anew (a counter, a random number, a UUID header). */
const VARIED_REQUEST = `GET /time?user={{$seq}}&r={{$randomInt 0 1000000}}`
const VARIED_HEADERS: [string, string][] = [['X-Request-Id', '{{$uuid}}']]
/**
 * wrk's reference for the placeholder variant: requests of the same shape and length, fixed
 * (wrk cannot vary them without Lua, which slows wrk itself). The service parses the same
 * bytes either way, so the ratio is the cost of rendering, not of a longer request.
 */
const WRK_SHAPED = 'wrk (same request shape)'
const SHAPED_PATH = '/time?user=1048576&r=524288'
const SHAPED_HEADER = 'X-Request-Id: 123e4567-e89b-42d3-a456-426614174000'
const TARGET = 0.8
const PATH = '/time'

interface Measured {
  tool: string
  threads: number
  round: number
  requestsPerSecond: number
  requests: number
  errors: number
  p99Ms?: number
  /** CPU time the load generator used (user + system): what it takes from the service on a shared machine. */
  cpuMs?: number
  raw?: string
}

/** A reference tool as a process, under GNU time when present for its CPU time. */
function timed(command: string, args: string[], seconds: number): ReturnType<typeof run> {
  const [cmd, argv] = TIME_V ? [TIME_V, ['-v', command, ...args]] : [command, args]
  return run(cmd, argv, { timeoutMs: (seconds + 30) * 1000 })
}

async function ours(
  port: number,
  threads: number,
  seconds: number,
  round: number,
  pipeline = 1,
  varied = false,
): Promise<Measured> {
  const load = await startLoad({
    port,
    requests: parseRequests(varied ? VARIED_REQUEST : `GET ${PATH}`),
    ...(varied ? { headers: VARIED_HEADERS } : {}),
    connections: CONNECTIONS,
    threads,
    pipeline,
    deadlineMs: (seconds + 30) * 1000,
  })
  // Count from the moment every worker is up, as wrk counts from its start.
  load.resetStats()
  // This process does nothing else meanwhile: its CPU time is the generator's (all threads).
  const cpu0 = process.cpuUsage()
  await sleep(seconds * 1000)
  const stats = await load.stop()
  const cpu = process.cpuUsage(cpu0)
  return {
    tool: varied ? OURS_VARIED : pipeline > 1 ? OURS_PIPELINED : OURS,
    threads,
    round,
    requestsPerSecond: stats.requestsPerSecond,
    requests: stats.requests,
    errors: stats.errors,
    p99Ms: stats.latencyMs.p99,
    cpuMs: (cpu.user + cpu.system) / 1000,
  }
}

async function wrk(
  port: number,
  threads: number,
  seconds: number,
  round: number,
  shaped = false,
): Promise<Measured> {
  const args = [`-t${threads}`, `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '--latency']
  if (shaped) args.push('-H', SHAPED_HEADER)
  const r = await timed('wrk', [...args, `http://127.0.0.1:${port}${shaped ? SHAPED_PATH : PATH}`], seconds)
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout)
  if (r.code !== 0 || !rps) throw new Error(`wrk failed (${r.code}): ${r.stdout}${r.stderr}`)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(r.stdout)
  const socketErrors = sock ? sock.slice(1).reduce((s, x) => s + Number(x), 0) : 0
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(r.stdout)
  const scale = { us: 0.001, ms: 1, s: 1000 }
  return {
    tool: shaped ? WRK_SHAPED : 'wrk',
    threads,
    round,
    requestsPerSecond: Number(rps[1]),
    requests: Number(/(\d+) requests in/.exec(r.stdout)?.[1] ?? 0),
    errors: non2xx + socketErrors,
    p99Ms: p99 ? Number(p99[1]) * scale[p99[2] as keyof typeof scale] : undefined,
    cpuMs: cpuMsFromTimeV(r.stderr),
    raw: r.stdout,
  }
}

async function ab(port: number, seconds: number, round: number): Promise<Measured> {
  // -n after -t: otherwise -t caps the run at 50,000 requests.
  const args = ['-k', '-q', '-c', String(CONNECTIONS), '-t', String(seconds), '-n', '100000000', '-s', '10']
  const r = await timed('ab', [...args, `http://127.0.0.1:${port}${PATH}`], seconds)
  const rps = /Requests per second:\s+([\d.]+)/.exec(r.stdout)
  if (r.code !== 0 || !rps) throw new Error(`ab failed (${r.code}): ${r.stdout}${r.stderr}`)
  const failed = Number(/Failed requests:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0)
  const non2xx = Number(/Non-2xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0)
  const p99 = /^\s+99%\s+(\d+)/m.exec(r.stdout)
  return {
    tool: 'ab -k',
    threads: 1,
    round,
    requestsPerSecond: Number(rps[1]),
    requests: Number(/Complete requests:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0),
    errors: failed + non2xx,
    p99Ms: p99 ? Number(p99[1]) : undefined,
    cpuMs: cpuMsFromTimeV(r.stderr),
    raw: r.stdout,
  }
}

export const loadSection: Section = {
  name: 'load',
  about: 'built-in load generator vs wrk (and ab -k) on the healthy fixture, 16 connections, alternating',
  async run(ctx: BenchContext): Promise<string> {
    const startMachine = machine()
    const busy = busyNote(startMachine)
    const seconds = ctx.durations?.[0] ?? (ctx.quick ? 5 : 10)
    const rounds = ctx.reps ?? (ctx.quick ? 2 : 4)
    const haveWrk = which('wrk') !== undefined
    const haveAb = which('ab') !== undefined
    const skipped: string[] = []
    if (!haveWrk) {
      skipped.push(
        'wrk not found: the ratio needs it; install it with `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk`',
      )
    }
    if (!haveAb) skipped.push('ab not found: second reference skipped; `apt-get install -y apache2-utils`')
    for (const s of skipped) note(`load: ${s}`)

    const binary = await buildFixture('healthy', join(ctx.workDir, 'bin'))
    const port = await freePort()
    const service = start(binary, [], { env: { ...process.env, PORT: String(port) } })
    const results: Measured[] = []
    let hot: { totalMs: number; top: HotFunction[] } | undefined
    try {
      await waitReady(port, PATH, 30_000)
      note(`load: healthy service on 127.0.0.1:${port}; warm-up run (unmeasured)`)
      await ours(port, ctx.threads[0]!, 2, 0)
      for (let round = 1; round <= rounds; round++) {
        const plan: (() => Promise<Measured>)[] = []
        for (const t of ctx.threads) {
          plan.push(() => ours(port, t, seconds, round))
          if (haveWrk) plan.push(() => wrk(port, t, seconds, round))
          if (t === ctx.threads[0]) plan.push(() => ours(port, t, seconds, round, PIPELINE))
          if (t === ctx.threads[0]) plan.push(() => ours(port, t, seconds, round, 1, true))
          if (t === ctx.threads[0] && haveWrk) plan.push(() => wrk(port, t, seconds, round, true))
        }
        if (haveAb) plan.push(() => ab(port, seconds, round))
        if (round % 2 === 0) plan.reverse()
        for (const step of plan) {
          const m = await step()
          results.push(m)
          note(
            `  round ${round}/${rounds}: ${m.tool} ${m.threads} thread(s): ${Math.round(m.requestsPerSecond).toLocaleString('en')} req/s, ${m.errors} errors`,
          )
          if (service.child.exitCode !== null) throw new Error(`the service exited: ${service.output()}`)
        }
      }
      note('load: one more run of the built-in generator under node --cpu-prof (unmeasured)')
      hot = await profileOurs(ctx, port, Math.min(seconds, 5))
    } finally {
      await service.stop()
    }

    const rows: (string | number)[][] = []
    const ratios: Record<string, number> = {}
    const rps = (tool: string, threads: number): number[] =>
      results.filter((r) => r.tool === tool && r.threads === threads).map((r) => r.requestsPerSecond)
    // CPU µs per request: a generator's cost to a service it shares the cores with.
    const cpuPerReq = (tool: string, threads: number): string => {
      const rs = results.filter((r) => r.tool === tool && r.threads === threads && r.cpuMs !== undefined)
      return rs.length ? `${median(rs.map((r) => (r.cpuMs! * 1000) / r.requests)).toFixed(1)} µs` : 'n/a'
    }
    const abRps = haveAb ? median(rps('ab -k', 1)) : NaN
    const vsAb = (x: number): string => (haveAb ? ratio(x / abRps) : 'n/a')
    for (const t of ctx.threads) {
      const o = median(rps(OURS, t))
      const w = median(rps('wrk', t))
      ratios[`threads${t}`] = o / w
      if (haveAb) ratios[`threads${t}OverAb`] = o / abRps
      rows.push([
        `memleak (built-in), ${t} worker thread${t > 1 ? 's' : ''}`,
        fmt(o),
        haveWrk ? ratio(o / w) : 'n/a',
        vsAb(o),
        cpuPerReq(OURS, t),
      ])
      if (t === ctx.threads[0]) {
        const p = median(rps(OURS_PIPELINED, t))
        ratios[`threads${t}Pipeline${PIPELINE}`] = p / w
        rows.push([
          `memleak (built-in), ${t} worker thread${t > 1 ? 's' : ''}, pipeline ${PIPELINE}`,
          fmt(p),
          haveWrk ? ratio(p / w) : 'n/a',
          vsAb(p),
          cpuPerReq(OURS_PIPELINED, t),
        ])
        const v = median(rps(OURS_VARIED, t))
        const shaped = median(rps(WRK_SHAPED, t))
        ratios[`threads${t}Placeholders`] = v / shaped
        rows.push([
          `memleak (built-in), ${t} worker thread${t > 1 ? 's' : ''}, placeholders`,
          fmt(v),
          haveWrk ? `${ratio(v / w)} (${ratio(v / shaped)} of the same shape)` : 'n/a',
          vsAb(v),
          cpuPerReq(OURS_VARIED, t),
        ])
        if (haveWrk)
          rows.push([
            `wrk -t${t} -c${CONNECTIONS}, same request shape`,
            fmt(shaped),
            ratio(shaped / w),
            vsAb(shaped),
            cpuPerReq(WRK_SHAPED, t),
          ])
      }
      if (haveWrk) rows.push([`wrk -t${t} -c${CONNECTIONS}`, fmt(w), '1×', vsAb(w), cpuPerReq('wrk', t)])
    }
    if (haveAb) {
      const w = median(rps('wrk', ctx.threads[0]!))
      rows.push([
        `ab -k -c${CONNECTIONS}`,
        fmt(abRps),
        haveWrk ? ratio(abRps / w) : 'n/a',
        '1×',
        cpuPerReq('ab -k', 1),
      ])
    }
    const errors = results.reduce((s, r) => s + r.errors, 0)
    await writeResults(
      'load',
      {
        busy,
        skipped,
        connections: CONNECTIONS,
        secondsPerRun: seconds,
        rounds,
        threads: ctx.threads,
        ratioOursOverWrk: ratios,
        pipeline: PIPELINE,
        pairedRatios: {
          ...Object.fromEntries(ctx.threads.map((t) => [`threads${t}`, pairedRatios(results, t)])),
          [`threads${ctx.threads[0]}Pipeline${PIPELINE}`]: pairedRatios(
            results,
            ctx.threads[0]!,
            OURS_PIPELINED,
          ),
          [`threads${ctx.threads[0]}Placeholders`]: pairedRatios(
            results,
            ctx.threads[0]!,
            OURS_VARIED,
            WRK_SHAPED,
          ),
        },
        target: TARGET,
        runs: results.map(({ raw: _raw, ...r }) => r),
        workerCpuProfile: hot,
      },
      startMachine,
    )
    let md = `### Load generator throughput\n\n`
    md += `Healthy fixture (\`GET ${PATH}\`, test/fixtures/go/healthy), ${CONNECTIONS} keep-alive connections, ${seconds} s a run, ${rounds} alternating rounds, median requests/s. The service and the load share the machine's ${startMachine.cores} cores.\n\n`
    md += table(
      ['load generator', 'requests/s (median)', 'vs wrk', 'vs ab -k', 'generator CPU per request'],
      rows,
    )
    if (haveWrk) {
      const r = ratios[`threads${ctx.threads[0]}`]!
      md += `\n\nTarget: ≥ ${TARGET} of wrk's rate: ${r >= TARGET ? 'meets target' : '**misses target**'} (${ratio(r)}).`
      // Runs next to each other in time share the machine's state: their ratios show how much is drift.
      const t = ctx.threads[0]!
      const paired = pairedRatios(results, t)
      if (paired.length > 1) {
        md += ` Per round (ours ÷ the wrk run beside it): ${paired.map((x) => x.toFixed(2)).join(', ')}; median ${median(paired).toFixed(2)}.`
      }
      const piped = pairedRatios(results, t, OURS_PIPELINED)
      if (piped.length > 1) {
        md += ` Pipelined ${PIPELINE} deep (same 16 connections; \`startLoad({ pipeline })\`), per round: ${piped.map((x) => x.toFixed(2)).join(', ')}; median ${median(piped).toFixed(2)}.`
      }
      const v = ratios[`threads${t}Placeholders`]!
      const vp = pairedRatios(results, t, OURS_VARIED, WRK_SHAPED)
      md += `\n\nWith placeholders (\`${VARIED_REQUEST}\` and an \`X-Request-Id: {{$uuid}}\` header, rendered per request), against wrk sending fixed requests of the same shape (\`${SHAPED_PATH}\`, the same header): ${v >= TARGET ? 'meets target' : '**misses target**'} (${ratio(v)}; per round ${vp.map((x) => x.toFixed(2)).join(', ')}).`
    }
    if (errors > 0) md += ` ${errors} errors in total across runs (see bench/results/load.json).`
    if (hot) {
      md += `\n\nThe built-in generator's worker thread under \`node --cpu-prof\` (${(hot.totalMs / 1000).toFixed(1)} s sampled), self time:\n\n`
      md += hotTable(hot)
    }
    for (const s of skipped) md += `\n\n_Skipped: ${s}._`
    if (busy) md += `\n\n_${busy}._`
    return `${md}\n`
  },
}

function pairedRatios(results: Measured[], threads: number, tool = OURS, reference = 'wrk'): number[] {
  const out: number[] = []
  for (const r of results) {
    if (r.tool !== tool || r.threads !== threads) continue
    const w = results.find((x) => x.tool === reference && x.threads === threads && x.round === r.round)
    if (w) out.push(r.requestsPerSecond / w.requestsPerSecond)
  }
  return out
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString('en') : 'n/a'
}

/** The worker thread's hottest functions: the profile with the most samples is the worker's, not the idle main thread's. */
async function profileOurs(
  ctx: BenchContext,
  port: number,
  seconds: number,
): Promise<{ totalMs: number; top: HotFunction[] } | undefined> {
  const dir = join(ctx.workDir, 'cpuprof-load')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const script = join(ctx.root, 'bench/lib/load-once.ts')
  const r = await run(
    process.execPath,
    [
      '--cpu-prof',
      '--cpu-prof-dir',
      dir,
      '--import',
      'tsx',
      script,
      String(port),
      String(ctx.threads[0]),
      String(seconds),
    ],
    { timeoutMs: (seconds + 60) * 1000 },
  )
  if (r.code !== 0) {
    note(`load: profiling run failed (${r.code}): ${r.stderr.slice(-400)}`)
    return undefined
  }
  const profiles = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => hotFunctions(join(dir, f), 10))
  // One profile per thread; the worker's is the one that ran the load worker's code.
  const workerShare = (p: { top: HotFunction[] }): number =>
    p.top.filter((h) => /load-worker/.test(h.where)).reduce((sum, h) => sum + h.selfMs, 0)
  return profiles.sort((a, b) => workerShare(b) - workerShare(a))[0]
}
