// Goroutine and connection leaks. Goroutine profiles have one sample per
// distinct stack with the number of goroutines on it: exact counts, no sampling.
// A leak is a stack whose count grows with requests and stays after the load.
// HTTP client connections left open become one connection-leak finding instead
// of two goroutine leaks (connections.ts); what a goroutine waits on is waiting.ts.
import type { Frame, Profile } from '../model/profile.js'
import { formatCountInText, formatNumber } from '../model/format.js'
import { goroutineLeakHint } from './hints.js'
import { isOwnFunction, makeSite, valueIndex } from './sites.js'
import { evaluateTrend, type Trend } from './trend.js'
import type { AnalysisOptions, Finding, SideData } from '../model/analysis.js'
import { CONNECTION_KEY, connectionFinding, READ_LOOP, WRITE_LOOP } from './connections.js'
import { blockingFrame, matchDump, stateFromWait, waitFunction } from './waiting.js'

/** A goroutine stack must gain at least this many goroutines over the run. */
export const GOROUTINE_MIN_GROWTH = 8
/** Open descriptors must grow at least this much (and by a quarter of the connections) to confirm a connection leak. */
export const FD_MIN_GROWTH = 4
export const goroutineStackKey = (stack: readonly Frame[]) =>
  stack.length ? stack.map((f) => f.func.name).join(' < ') : '(no stack)'

interface StackSeries {
  stack: readonly Frame[]
  counts: number[]
}

/** Goroutine counts by stack over the given profiles (absent profile: undefined counts). */
function byStack(profiles: readonly (Profile | undefined)[]): Map<string, StackSeries> {
  const out = new Map<string, StackSeries>()
  profiles.forEach((p, i) => {
    if (!p) return
    const vi = Math.max(0, valueIndex(p, 'goroutine'))
    for (const s of p.samples) {
      const key = goroutineStackKey(s.stack)
      let row = out.get(key)
      if (!row) {
        row = { stack: s.stack, counts: profiles.map(() => 0) }
        out.set(key, row)
      }
      row.counts[i] += s.values[vi] ?? 0
    }
  })
  return out
}

export interface GoroutineAnalysis {
  findings: Finding[]
  /** By stack key, and CONNECTION_KEY for the persistConn read loops. */
  trends: Map<string, Trend>
  /** goroutineleak-profile stacks whose counts did not grow (for the notes). */
  unconfirmedLeakProfileStacks: string[]
  available: boolean
}

export function analyseGoroutines(side: SideData, options: AnalysisOptions): GoroutineAnalysis {
  const snaps = side.snapshots
  const n = snaps.length
  const trends = new Map<string, Trend>()
  const findings: Finding[] = []
  if (!snaps.every((s) => s.goroutines)) {
    return { findings, trends, unconfirmedLeakProfileStacks: [], available: false }
  }
  const x = snaps.map((s) => s.requests)
  const series = byStack([...snaps.map((s) => s.goroutines), side.settled.goroutines])
  // Counts of in-flight work fluctuate like Poisson counts (variance ~ level), and a
  // handful of snapshots cannot estimate the scatter reliably: use that as a prior.
  const opts = { alpha: options.alpha, minGrowth: GOROUTINE_MIN_GROWTH, sampleBytes: 1 }
  const leakKeys = new Set(side.goroutineLeak?.samples.map((s) => goroutineStackKey(s.stack)) ?? [])

  // Connections first: all persistConn read-loop stacks together count open client connections.
  const persistKeys = [...series.keys()].filter((k) => k.includes(READ_LOOP) || k.includes(WRITE_LOOP))
  const conns = new Array<number>(n + 1).fill(0)
  const writers = new Array<number>(n + 1).fill(0)
  for (const k of persistKeys) {
    const into = k.includes(READ_LOOP) ? conns : writers
    series.get(k)!.counts.forEach((c, i) => (into[i] += c))
  }
  let connectionFlagged = false
  if (persistKeys.length) {
    const connTrend = evaluateTrend(
      x,
      conns.slice(0, n),
      side.settled.goroutines ? conns[n] : undefined,
      opts,
    )
    trends.set(CONNECTION_KEY, connTrend)
    const fds = snaps.map((s) => s.openFds)
    const fdsKnown = fds.every((f): f is number => typeof f === 'number')
    const fdTrend = fdsKnown
      ? evaluateTrend(x, fds, side.settled.openFds ?? undefined, {
          alpha: options.alpha,
          minGrowth: FD_MIN_GROWTH,
        })
      : undefined
    const fdsGrow = fdTrend
      ? fdTrend.significant && fdTrend.growth >= Math.max(FD_MIN_GROWTH, 0.25 * connTrend.growth)
      : true
    if (connTrend.verdict === 'leak' && fdsGrow) {
      connectionFlagged = true
      findings.push(
        connectionFinding(side, options, x, conns, writers, connTrend, fdTrend, fdsKnown ? fds : undefined),
      )
    }
  }

  const confirmedStacks = new Set<string>()
  for (const [key, row] of series) {
    if (connectionFlagged && persistKeys.includes(key)) continue
    const y = row.counts.slice(0, n)
    if (Math.max(...y) - Math.min(...y) < GOROUTINE_MIN_GROWTH) continue
    // Without a settled goroutine profile the release check cannot run (zeros would pass it).
    const trend = evaluateTrend(x, y, side.settled.goroutines ? row.counts[n] : undefined, opts)
    trends.set(key, trend)
    if (trend.verdict !== 'leak') continue
    if (leakKeys.has(key)) confirmedStacks.add(key)
    findings.push(goroutineFinding(side, options, key, row, x, trend, leakKeys.has(key)))
  }

  const unconfirmed = [...leakKeys].filter(
    (k) => !confirmedStacks.has(k) && !(connectionFlagged && k.includes('persistConn')),
  )
  return { findings, trends, unconfirmedLeakProfileStacks: unconfirmed, available: true }
}

function goroutineFinding(
  side: SideData,
  options: AnalysisOptions,
  key: string,
  row: StackSeries,
  x: number[],
  trend: Trend,
  confirmed: boolean,
): Finding {
  const n = x.length
  const stack = row.stack
  const blocking = blockingFrame(stack)
  const wait = waitFunction(stack)
  const dump = matchDump(stack, side.goroutineDump, options.modulePath)
  const stateFromStack = stateFromWait(wait)
  const waitReason = dump.state ?? stateFromStack
  const site = makeSite(key, blocking?.func.name ?? '(no stack)', stack, options.modulePath)
  // Wholly inside a library (a client's worker pool, a timer): blame the service's code that started it.
  const at = dump.createdAt ? /^(.*):(\d+)$/.exec(dump.createdAt) : null
  if (!site.ownFrame && dump.createdBy && at && isOwnFunction(dump.createdBy, options.modulePath)) {
    site.ownFrame = { function: dump.createdBy, file: at[1], line: Number(at[2]) }
  }
  const creator = dump.createdBy ?? site.ownFrame?.function
  const hint = goroutineLeakHint({
    creator: dump.createdBy ?? site.ownFrame?.function,
    blockingFunction: blocking?.func.name ?? '(unknown)',
    waitFunction: wait,
    waitReason,
    functions: stack.map((f) => f.func.name),
  })
  const details: Record<string, string | number> = {
    countStart: row.counts[0],
    countEnd: row.counts[n - 1],
    per1kRequests: trend.slope * 1000,
    blockingFrame: blocking
      ? `${blocking.func.name} ${blocking.func.filename}:${blocking.line}`
      : '(unknown)',
    pValue: trend.pValue,
    slopeLow: trend.slopeLow,
    slopeHigh: trend.slopeHigh,
    hintRule: hint.rule,
  }
  if (trend.settled !== undefined) details.countSettled = trend.settled
  if (wait) details.waitFunction = wait
  if (waitReason) {
    details.waitReason = waitReason
    details.waitReasonSource = dump.state ? 'goroutine dump' : 'stack'
  }
  if (dump.createdBy) details.createdBy = dump.createdBy
  if (dump.createdAt) details.createdAt = dump.createdAt
  if (dump.matched) details.dumpMatches = dump.matched
  if (confirmed) details.confirmedBy = 'goroutineleak profile'
  const what = waitReason ? `blocked in ${waitReason}` : 'parked'
  const by = creator ? `, started by ${creator}` : ''
  return {
    kind: 'goroutine-leak',
    status: 'unknown',
    site,
    rate: trend.slope,
    unit: 'goroutines/req',
    growth: trend.growth,
    summary: `Goroutines ${what} in ${blocking?.func.name ?? '(unknown)'}${by} pile up: ${row.counts[0]} -> ${row.counts[n - 1]} over ${formatCountInText(x[n - 1] - x[0])} requests (${formatNumber(trend.slope * 1000)} per 1k requests)${confirmed ? ', confirmed by the goroutineleak profile' : ''}.`,
    hint: hint.hint,
    evidence: { requests: x, values: row.counts.slice(0, n), settled: trend.settled, pValue: trend.pValue },
    details,
  }
}
