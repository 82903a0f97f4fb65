// Simulated sides measured under the sequential schedule and stopping rule, then
// judged by the existing trend rule at the level the rule leaves: the calibration
// of stopping.test.ts. Heap estimates move in steps of the sampling rate (counting
// noise), as in fixtures.ts: retained samples accumulate, churned ones are redrawn.
import { heapMinGrowth } from '../../src/analysis/heap.js'
import { analyseRegressions } from '../../src/analysis/regression.js'
import type { HeapTable } from '../../src/analysis/sites.js'
import { decideStop, type StopDecision, type StopSnapshot, stopWindows } from '../../src/analysis/stopping.js'
import { evaluateTrend } from '../../src/analysis/trend.js'
import type { AnalysisOptions } from '../../src/model/analysis.js'
import { normal, poisson } from './random.js'

export const RATE = 64 * 1024

export interface SimSide {
  /** Live background (samples), redrawn at every snapshot. */
  level: number
  /** Extra scatter of the background (GC timing, a churning heap), as a fraction of its level. */
  scatter?: number
  /** Bytes retained per request at a site of its own. */
  leak?: number
  /** A ring cache: entries (one per request) and bytes each. */
  ring?: { entries: number; bytes: number }
  /** Bytes allocated per request, and the windows' extra relative noise. */
  alloc: number
  allocNoise?: number
  requestsPerSecond: number
}

export interface SimResult {
  decision: Extract<StopDecision, { action: 'stop' }>
  snapshots: StopSnapshot[]
  elapsedMs: number
  /** A leak verdict at any site or on the whole heap, at the level the rule leaves (or a leak stop). */
  leak: boolean
  windows: number[]
}

export interface SimOptions {
  alpha: number
  minLeak: number
  regressionThreshold: number
  maxDurationMs: number
  memoryBudgetBytes?: number
}

export const DEFAULTS: SimOptions = {
  alpha: 0.05,
  minLeak: 32,
  regressionThreshold: 0.1,
  maxDurationMs: 60_000,
}

/** One side under the schedule: snapshots until decideStop says stop, then the final judgement. */
export function simulateSide(
  rand: () => number,
  side: SimSide,
  which: 'base' | 'head',
  opts: SimOptions = DEFAULTS,
  baseWindows?: readonly number[],
): SimResult {
  const options = { ...opts, memProfileRate: RATE }
  const snaps: StopSnapshot[] = []
  const background: number[] = []
  const leakSite: number[] = []
  const ringSite: number[] = []
  let leaked = 0
  let ringSamples = 0
  let alloc = 0
  let requests = 0
  let t = 0
  const draw = () => {
    const s = side.scatter ?? 0
    return Math.max(0, poisson(rand, side.level) * RATE * (1 + s * normal(rand)))
  }
  const step = (dr: number) => {
    leaked += side.leak ? poisson(rand, (dr * side.leak) / RATE) : 0
    if (side.ring) {
      const { entries, bytes } = side.ring
      const filled = Math.min(requests, entries)
      const before = Math.min(requests - dr, entries)
      // Entries overwritten in this window lose their samples; new ones bring fresh samples.
      const overwritten = Math.min(1, Math.max(0, dr - (filled - before)) / entries)
      let kept = 0
      for (let j = 0; j < ringSamples; j++) if (rand() >= overwritten) kept++
      ringSamples = kept + poisson(rand, (Math.min(dr, entries) * bytes) / RATE)
    }
    const mean = (dr * (side.alloc + (side.leak ?? 0))) / RATE
    const noise = side.allocNoise ?? 0.03
    alloc += Math.max(0, poisson(rand, mean) * RATE * Math.exp(noise * normal(rand)))
  }
  let decision: StopDecision
  for (;;) {
    background.push(draw())
    leakSite.push(leaked * RATE)
    ringSite.push(ringSamples * RATE)
    const live = background.at(-1)! + leakSite.at(-1)! + ringSite.at(-1)!
    snaps.push({ elapsedMs: t, requests, liveHeapBytes: live, allocBytes: alloc, goroutines: 22 })
    decision = decideStop({ side: which, snapshots: snaps, options, baseWindows })
    if (decision.action === 'stop') break
    const next = decision.nextDueMs
    const dr = Math.round(side.requestsPerSecond * ((next - t) / 1000) * (1 + 0.05 * normal(rand)))
    requests += Math.max(1, dr)
    step(Math.max(1, dr))
    t = next
  }
  const x = snaps.map((s) => s.requests)
  const trendOpts = {
    alpha: decision.trendAlpha,
    sampleBytes: RATE,
    minGrowth: heapMinGrowth({ ...options, modulePath: '' }),
  }
  const settledBackground = draw()
  const sites: [number[], number][] = [
    [background, settledBackground],
    [leakSite, leaked * RATE],
    [ringSite, ringSamples * RATE],
  ]
  const total = background.map((v, i) => v + leakSite[i] + ringSite[i])
  const leak =
    decision.reason === 'leak-certain' ||
    decision.reason === 'memory-budget' ||
    sites.some(([y, s]) => y.some((v) => v > 0) && evaluateTrend(x, y, s, trendOpts).verdict === 'leak') ||
    evaluateTrend(x, total, settledBackground + (leaked + ringSamples) * RATE, trendOpts).verdict === 'leak'
  return { decision, snapshots: snaps, elapsedMs: t, leak, windows: stopWindows(snaps) }
}

/** The allocation comparison the analysis makes, from two simulated sides' totals. */
export function regressionFound(head: SimResult, base: SimResult, options: AnalysisOptions): boolean {
  const table = (s: SimResult): HeapTable =>
    ({
      totals: s.snapshots.map((p) => ({ allocSpace: p.allocBytes, allocObjects: p.allocBytes / 64 })),
      series: new Map(),
      sites: new Map(),
    }) as unknown as HeapTable
  const r = analyseRegressions(
    { table: table(head), requests: head.snapshots.map((p) => p.requests) },
    { table: table(base), requests: base.snapshots.map((p) => p.requests) },
    options,
  )
  return r.total.significant && r.total.change >= options.regressionThreshold
}
