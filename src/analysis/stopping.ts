// Sequential stopping (issue 16): after each snapshot, is this side's answer known?
// A side stops early when a leak is certain or memory passes its budget, or, clean,
// when a leak of `min-leak` would have been seen and the allocation comparison has
// the windows to decide; else it runs to `duration`. Pure: the measurement loop
// calls decideStop() with what it measured so far and sleeps until nextDueMs.
//
// Honest under optional stopping (see spending.ts and docs/how-it-decides.md,
// "Stopping early"): only the leak test looks at the heap, at each look with its
// increment of Lan-DeMets error spending; the clean stop looks only at request counts
// and at the spread of allocation windows, never at the heap's trend, so it chooses
// the end of the run as a fixed design would, and the final analysis of the trends
// at finalAlpha() keeps the whole chance of a false leak within alpha.
import { formatBytesInText, formatCountInText } from '../model/format.js'
import { GOROUTINE_MIN_GROWTH } from './goroutines.js'
import { heapMinGrowth } from './heap.js'
import { allocWindows } from './regression.js'
import { finalAlpha, lookAlpha, snapshotDueMs } from './spending.js'
import { balanced, detectableLeak, regressionPower } from './stop-power.js'
import { evaluateTrend, type Trend } from './trend.js'
import type { AnalysisOptions } from '../model/analysis.js'
import type { StopReason } from '../model/sides.js'

export type { StopReason } from '../model/sides.js'

/** A leak can be certain from this many snapshots (S0 included): Mann-Kendall's smallest p is 1/n!. */
export const MIN_LEAK_SNAPSHOTS = 6
/** A clean side is judged on at least this many snapshots (5 allocation windows). */
export const MIN_CLEAN_SNAPSHOTS = 8
/**
 * A leak is not called certain before this share of the longest measurement: a cache still
 * filling reads as a leak until it is full, and a fixed run of `duration` would have seen a
 * cache full by then level off. So caches filling within a tenth of `duration` stay bounded.
 */
export const LEAK_MIN_SHARE = 0.08
/** Chance a leak of exactly min-leak is found by the final analysis when the side stops clean. */
export const FLOOR_POWER = 0.9
/** Chance a change of exactly regression-threshold is found by the comparison when the side stops clean. */
export const REGRESSION_POWER = 0.95
/** Sites a clean stop checks for growth: the ones that moved most (a leaking site is among them). */
export const SITES_FOLLOWED = 8
/** A side ends at `duration` with no fewer snapshots than this (S0 included): three windows. */
export const MIN_END_SNAPSHOTS = 4
/** Fewer requests than this between two snapshots make a window coarse: the next one waits for them. */
export const MIN_WINDOW_REQUESTS = 200

export { detectableLeak, regressionPower } from './stop-power.js'

/** What the measurement loop has of one snapshot. */
export interface StopSnapshot {
  /** Ms since the measured load began (S0 is the origin; time the load was held not counted). */
  elapsedMs: number
  /** Requests answered so far. */
  requests: number
  /** inuse_space of the heap profile taken with gc=1. */
  liveHeapBytes: number
  /** alloc_space of the same profile (cumulative since the process started). */
  allocBytes: number
  goroutines?: number
  rssBytes?: number
  /** Live bytes of each allocation stack (same key, same stack, for one process). */
  sites?: ReadonlyMap<string, number>
}

export interface StoppingOptions {
  /** The run's alpha (trend and comparison); spent over the looks. */
  alpha: number
  /** Target detection floor, B/request (input min-leak, default 32). */
  minLeak: number
  /** As a fraction (0.1 = 10%). */
  regressionThreshold: number
  /** `duration`: the most a side is measured. */
  maxDurationMs: number
  /** MemProfileRate the service runs with. */
  memProfileRate: number
  /** Bytes of RSS (or live heap) past which the side stops and head counts as leaking. */
  memoryBudgetBytes?: number
}

export interface StoppingInput {
  side: 'base' | 'head'
  /** S0..Sk so far, in order. */
  snapshots: readonly StopSnapshot[]
  options: StoppingOptions
  /**
   * Head only: base's per-window allocated bytes per request (stopWindows of base's
   * snapshots). Absent on head: no base to compare (head-only run). Base plans for a head
   * with as many windows as it has.
   */
  baseWindows?: readonly number[]
}

/** What the decision rests on, for the log and the report. */
export interface StopEvidence {
  /** Smallest leak (B/req) within sampling noise, as the run's note words it (found about half the time). */
  floor: number
  /** Smallest leak (B/req) the final analysis would find FLOOR_POWER of the time: compared with min-leak. */
  floorAtPower: number
  /** Chance the comparison finds a change of regression-threshold with the windows so far (1 when not compared). */
  regressionPower: number
  /** Level of this look's leak test (0: not a look yet). */
  lookAlpha: number
  /** Level the final analysis must give evaluateTrend if the side stops here (finalAlpha). */
  trendAlpha: number
}

export type StopDecision =
  | ({ action: 'continue'; nextDueMs: number; why: string } & StopEvidence)
  | ({ action: 'stop'; reason: StopReason; why: string } & StopEvidence)

/** Per-window allocated bytes per request, as the comparison will compute them. */
export function stopWindows(snapshots: readonly StopSnapshot[]): number[] {
  const req = snapshots.map((s) => s.requests)
  const bytes = snapshots.map((s) => s.allocBytes)
  return allocWindows(req, bytes, bytes).bytes
}

/** A trend that is a leak beyond doubt: the rule's verdict, and Sen's lower bound clearing the floor. */
function certain(t: Trend, span: number): boolean {
  return t.verdict === 'leak' && t.slopeLow * span > t.noiseFloor
}

/** Why the memory budget stops the run: passed at the latest snapshot, or about to be before the next. */
function memoryBudgetWhy(
  snaps: readonly StopSnapshot[],
  budget: number | undefined,
  D: number,
): string | undefined {
  if (budget === undefined) return undefined
  const n = snaps.length
  const t0 = snaps[0]?.elapsedMs ?? 0
  const at = (i: number) => snaps[i].elapsedMs - t0
  const elapsed = at(n - 1)
  const last = snaps[n - 1]
  const used = Math.max(last.rssBytes ?? 0, last.liveHeapBytes)
  const prev = snaps[n - 2]
  const dt = prev ? at(n - 1) - at(n - 2) : 0
  const rise = prev ? used - Math.max(prev.rssBytes ?? 0, prev.liveHeapBytes) : 0
  const next = Math.min(D, snapshotDueMs(n, D))
  const projected = dt > 0 && rise > 0 ? used + (rise / dt) * (next - elapsed) : used
  if (used >= budget)
    return `memory ${formatBytesInText(used)} passed the ${formatBytesInText(budget)} budget`
  if (projected >= budget && elapsed < D)
    return `memory ${formatBytesInText(used)} would pass the ${formatBytesInText(budget)} budget`
  return undefined
}

/** Why a leak is already certain at this look (live heap first, then goroutines), if it is. */
function certainLeakWhy(
  snaps: readonly StopSnapshot[],
  x: number[],
  span: number,
  look: number,
  memProfileRate: number,
  aopts: AnalysisOptions,
): string | undefined {
  const goroutines = snaps.every((s) => s.goroutines !== undefined)
  const a = look / (goroutines ? 2 : 1)
  const heap = evaluateTrend(
    x,
    snaps.map((s) => s.liveHeapBytes),
    undefined,
    { alpha: a, sampleBytes: memProfileRate, minGrowth: heapMinGrowth(aopts) },
  )
  if (certain(heap, span)) return `leak certain (live heap +${formatBytesInText(heap.slope)}/req)`
  if (goroutines) {
    const g = evaluateTrend(
      x,
      snaps.map((s) => s.goroutines!),
      undefined,
      { alpha: a, sampleBytes: 1, minGrowth: GOROUTINE_MIN_GROWTH },
    )
    if (certain(g, span))
      return `leak certain (+${formatCountInText(g.slope * 1000)} goroutines per 1k requests)`
  }
  return undefined
}

/**
 * Would the final analysis, stopped here, call the live heap leaking? Then the side measures on
 * rather than stop clean: a cache still filling is seen to level off (bounded), or the growth
 * becomes certain at a later look. Stopping clean only on a heap that does not read as a leak
 * makes every leak reported come from a look's own increment of alpha (or the last look at
 * `duration`), so the spending bound still holds.
 */
function stillGrowing(
  snaps: readonly StopSnapshot[],
  x: number[],
  trendAlpha: number,
  aopts: AnalysisOptions,
): boolean {
  const opts = { alpha: trendAlpha, sampleBytes: aopts.memProfileRate, minGrowth: heapMinGrowth(aopts) }
  const leaking = (y: number[]) => evaluateTrend(x, y, undefined, opts).verdict === 'leak'
  if (leaking(snaps.map((s) => s.liveHeapBytes))) return true
  // A single site too, as the final analysis tests each: a full cache whose sampled entries are
  // renewed drifts for a cycle, which reads as growth at its own site long before the total.
  return growingSites(snaps, opts.minGrowth).some(leaking)
}

/** Each site's live bytes per snapshot, the SITES_FOLLOWED that moved most by at least minGrowth. */
function growingSites(snaps: readonly StopSnapshot[], minGrowth: number): number[][] {
  const last = snaps[snaps.length - 1]?.sites
  if (!last || !snaps.every((s) => s.sites)) return []
  const rows: { y: number[]; moved: number }[] = []
  for (const key of last.keys()) {
    const y = snaps.map((s) => s.sites!.get(key) ?? 0)
    const moved = Math.max(...y) - Math.min(...y)
    if (moved >= minGrowth) rows.push({ y, moved })
  }
  return rows
    .sort((a, b) => b.moved - a.moved)
    .slice(0, SITES_FOLLOWED)
    .map((r) => r.y)
}

/** The decision after the latest snapshot. Call after each one; S0 alone always continues. */
export function decideStop(input: StoppingInput): StopDecision {
  const { snapshots: snaps, options: o } = input
  const n = snaps.length
  const t0 = snaps[0]?.elapsedMs ?? 0
  const at = (i: number) => snaps[i].elapsedMs - t0
  const elapsed = n > 0 ? at(n - 1) : 0
  const D = o.maxDurationMs
  const aopts: AnalysisOptions = {
    modulePath: '',
    alpha: o.alpha,
    regressionThreshold: o.regressionThreshold,
    memProfileRate: o.memProfileRate,
  }
  const isLook = (points: number, ms: number) => points >= MIN_LEAK_SNAPSHOTS && ms >= LEAK_MIN_SHARE * D
  const prevT = n >= 2 && isLook(n - 1, at(n - 2)) ? at(n - 2) / D : 0
  const look = isLook(n, elapsed) ? lookAlpha(prevT, elapsed / D, o.alpha) : 0
  const x = snaps.map((s) => s.requests)
  const span = n > 1 ? x[n - 1] - x[0] : 0
  const windows = stopWindows(snaps)
  const compared = input.side === 'base' || input.baseWindows !== undefined
  const evidence: StopEvidence = {
    floor: detectableLeak(n, span, aopts),
    floorAtPower: detectableLeak(n, span, aopts, FLOOR_POWER),
    regressionPower: compared
      ? regressionPower(windows, input.baseWindows, o.regressionThreshold, o.alpha)
      : 1,
    lookAlpha: look,
    trendAlpha: finalAlpha(prevT, o.alpha),
  }
  const stop = (reason: StopReason, why: string): StopDecision => ({
    action: 'stop',
    reason,
    why,
    ...evidence,
  })
  const last = snaps[n - 1]
  if (!last) return { action: 'continue', nextDueMs: 0, why: 'no snapshot yet', ...evidence }

  // Memory first: past the budget, or about to pass it before the next snapshot.
  const overBudget = memoryBudgetWhy(snaps, o.memoryBudgetBytes, D)
  if (overBudget) return stop('memory-budget', overBudget)

  const leak = look > 0 ? certainLeakWhy(snaps, x, span, look, o.memProfileRate, aopts) : undefined
  if (leak) return stop('leak-certain', leak)

  const settled =
    n >= MIN_CLEAN_SNAPSHOTS &&
    evidence.floorAtPower <= o.minLeak &&
    (evidence.regressionPower >= REGRESSION_POWER || balanced(windows.length, input.baseWindows?.length))
  const growing = settled && stillGrowing(snaps, x, evidence.trendAlpha, aopts)
  if (settled && !growing)
    return stop('floor-reached', `floor ${formatBytesInText(evidence.floorAtPower)}/req reached`)

  const due = snapshotDueMs(n, D)
  if (elapsed >= D || !Number.isFinite(due)) {
    // A service that stopped answering holds each snapshot until its requests time out: the
    // last window may then hold the stall's start and still count requests. One more snapshot,
    // at once, gives a window wholly after it (and a trend its few points); never more than two.
    const pastEnd = snaps.filter((_, i) => at(i) > D).length
    const lastOverran =
      n >= 2 && at(n - 1) - at(n - 2) > 2 * (snapshotDueMs(n - 1, D) - snapshotDueMs(n - 2, D)) + 1000
    if (n >= MIN_END_SNAPSHOTS && !(lastOverran && pastEnd < 2))
      return stop('max-duration', `longest measurement ${Math.round(D / 1000)} s reached`)
    const why = n < MIN_END_SNAPSHOTS ? 'too few snapshots for a trend' : 'the last snapshot was held'
    return { action: 'continue', nextDueMs: elapsed, why, ...evidence }
  }
  // A slow service: wait for enough requests that the window is not coarse (never past D).
  const rate = span > 0 && elapsed > 0 ? span / elapsed : 0
  const nextDueMs = rate > 0 ? Math.min(D, Math.max(due, elapsed + MIN_WINDOW_REQUESTS / rate)) : due
  const wanting = growing
    ? 'live heap still growing: a leak, or a cache not yet full'
    : evidence.floorAtPower > o.minLeak
      ? `floor ${formatBytesInText(evidence.floorAtPower)}/req, target ${formatBytesInText(o.minLeak)}/req`
      : `allocation comparison at ${Math.round(100 * evidence.regressionPower)}% power`
  return { action: 'continue', nextDueMs, why: wanting, ...evidence }
}
