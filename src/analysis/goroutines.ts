// Goroutine and connection leaks. Goroutine profiles have one sample per
// distinct stack with the number of goroutines on it: exact counts, no sampling.
// A leak is a stack whose count grows with requests and stays after the load.
// HTTP client connections left open (response bodies not closed) show up as
// persistConn read/write loops growing together with open descriptors: those
// become one connection-leak finding instead of two goroutine leaks.
import type { Frame, GoroutineRecord, Profile } from '../model/profile.js'
import { formatCountInText, formatNumber } from '../model/format.js'
import { connectionLeakHint, goroutineLeakHint } from './hints.js'
import { isOwnFunction, isRuntimeFunction, makeSite, sourceFrame, valueIndex } from './sites.js'
import { evaluateTrend, type Trend } from './trend.js'
import type { AnalysisOptions, Finding, SideData } from '../model/analysis.js'

/** A goroutine stack must gain at least this many goroutines over the run. */
export const GOROUTINE_MIN_GROWTH = 8
/** Open descriptors must grow at least this much (and by a quarter of the connections) to confirm a connection leak. */
export const FD_MIN_GROWTH = 4
export const CONNECTION_KEY = 'net/http.(*persistConn).readLoop'

const READ_LOOP = 'net/http.(*persistConn).readLoop'
const WRITE_LOOP = 'net/http.(*persistConn).writeLoop'
/** Entry points of net/http's client: an own frame calling one of these made the request. */
const CLIENT_ENTRY =
  /^net\/http\.(\(\*Client\)\.(Do|Get|Post|PostForm|Head|do|send)|Get|Post|PostForm|Head|send|\(\*Transport\)\.(RoundTrip|roundTrip))$/

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

/** The runtime function a goroutine is parked in: the last runtime frame before the first non-runtime one. */
export function waitFunction(stack: readonly Frame[]): string | undefined {
  let last: string | undefined
  for (const f of stack) {
    if (!isRuntimeFunction(f.func.name)) break
    last = f.func.name
  }
  return last
}

/** Where the goroutine waits: the first frame outside the runtime (internal/poll's runtime hooks count as runtime). */
export function blockingFrame(stack: readonly Frame[]): Frame | undefined {
  return (
    stack.find((f) => !isRuntimeFunction(f.func.name) && !f.func.name.startsWith('internal/')) ?? stack[0]
  )
}

const STATE_FROM_WAIT: [RegExp, string][] = [
  [/^runtime\.chansend/, 'chan send'],
  [/^runtime\.chanrecv/, 'chan receive'],
  [/^runtime\.selectgo$/, 'select'],
  [/^runtime\.block$/, 'select (no cases)'],
  [/^runtime\.netpollblock$/, 'IO wait'],
  [/^runtime\.semacquire/, 'semacquire'],
  [/^runtime\.notifyListWait$/, 'sync.Cond.Wait'],
]

export interface DumpMatch {
  state?: string
  createdBy?: string
  createdAt?: string
  matched: number
}

/**
 * Goroutines of the text dump (debug=2) standing on this stack. The dump hides
 * runtime frames, so stacks are compared without them: exactly first, else by
 * the blocking frame and the own frame alone (lines or inlining may differ).
 * The state and creator reported are the most common among the matches.
 */
export function matchDump(
  stack: readonly Frame[],
  dump: readonly GoroutineRecord[] | undefined,
  modulePath: string,
): DumpMatch {
  if (!dump?.length) return { matched: 0 }
  const names = stack.map((f) => f.func.name).filter((n) => !isRuntimeFunction(n))
  const sig = names.join(' < ')
  const recNames = (r: GoroutineRecord) => r.frames.map((f) => f.func).filter((n) => !isRuntimeFunction(n))
  let matches = dump.filter((r) => recNames(r).join(' < ') === sig)
  if (!matches.length && names.length) {
    const own = names.find((n) => isOwnFunction(n, modulePath))
    matches = dump.filter((r) => {
      const rn = recNames(r)
      return rn[0] === names[0] && (!own || rn.includes(own))
    })
  }
  if (!matches.length) return { matched: 0 }
  const state = mostCommon(matches.map((r) => r.state))
  const creator = mostCommon(matches.map((r) => r.createdBy?.func).filter((v): v is string => !!v))
  const at = matches.find((r) => r.createdBy?.func === creator)?.createdBy
  return {
    state,
    createdBy: creator,
    createdAt: at ? `${at.file}:${at.line}` : undefined,
    matched: matches.length,
  }
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  let best: string | undefined
  let bestN = 0
  for (const [v, c] of counts) if (c > bestN) [best, bestN] = [v, c]
  return best
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
  const stateFromStack = STATE_FROM_WAIT.find(([re]) => wait && re.test(wait))?.[1]
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

export interface CallerEvidence {
  caller?: Frame
  evidence?: string
  /** Other own callers seen, most evidence first. */
  others: string[]
}

/**
 * Who made the outbound requests whose connections stay open. The persistConn
 * goroutines themselves were created by net/http.(*Transport).dialConn, which the
 * transport runs in its own goroutine, so their stacks never reach the service's
 * code. Instead, find stacks that pass through net/http's client entry points
 * ((*Client).Do/Get/Post/..., (*Transport).RoundTrip) and take the first own frame
 * above that call: weighted by the bytes allocated along those stacks in the last
 * heap profile (alloc_space is cumulative, so every request leaves a trace), else
 * by the goroutines found inside those calls across the snapshots.
 */
export function findClientCaller(side: SideData, modulePath: string): CallerEvidence {
  const last = side.snapshots[side.snapshots.length - 1]
  const heapScores = new Map<string, { frame: Frame; score: number }>()
  if (last) {
    const ia = valueIndex(last.heap, 'alloc_space')
    for (const s of last.heap.samples) {
      const caller = callerOfClient(s.stack, modulePath)
      if (!caller) continue
      const cur = heapScores.get(caller.func.name) ?? { frame: caller, score: 0 }
      cur.score += ia >= 0 ? (s.values[ia] ?? 0) : 1
      heapScores.set(caller.func.name, cur)
    }
  }
  const gScores = new Map<string, { frame: Frame; score: number }>()
  for (const snap of side.snapshots) {
    if (!snap.goroutines) continue
    const vi = Math.max(0, valueIndex(snap.goroutines, 'goroutine'))
    for (const s of snap.goroutines.samples) {
      const caller = callerOfClient(s.stack, modulePath)
      if (!caller) continue
      const cur = gScores.get(caller.func.name) ?? { frame: caller, score: 0 }
      cur.score += s.values[vi] ?? 0
      gScores.set(caller.func.name, cur)
    }
  }
  const rank = (m: Map<string, { frame: Frame; score: number }>) =>
    [...m.values()].sort((a, b) => b.score - a.score)
  const heap = rank(heapScores)
  const gor = rank(gScores)
  if (heap.length) {
    return {
      caller: heap[0].frame,
      evidence: 'heap samples allocated through net/http client calls',
      others: heap.slice(1, 4).map((h) => h.frame.func.name),
    }
  }
  if (gor.length) {
    return {
      caller: gor[0].frame,
      evidence: 'goroutines inside net/http client calls',
      others: gor.slice(1, 4).map((h) => h.frame.func.name),
    }
  }
  return { others: [] }
}

/** The own frame that called into net/http's client on this stack (leaf first), if any. */
export function callerOfClient(stack: readonly Frame[], modulePath: string): Frame | undefined {
  let seenClient = false
  for (const f of stack) {
    if (CLIENT_ENTRY.test(f.func.name)) seenClient = true
    else if (seenClient && isOwnFunction(f.func.name, modulePath)) return f
  }
  return undefined
}

function connectionFinding(
  side: SideData,
  options: AnalysisOptions,
  x: number[],
  conns: number[],
  writers: number[],
  trend: Trend,
  fdTrend: Trend | undefined,
  fds: number[] | undefined,
): Finding {
  const n = x.length
  const caller = findClientCaller(side, options.modulePath)
  const callerName = caller.caller?.func.name
  const hint = connectionLeakHint(callerName)
  const readLoopStack = side.snapshots[n - 1].goroutines!.samples.find((s) =>
    s.stack.some((f) => f.func.name === READ_LOOP),
  )?.stack
  const site = {
    key: CONNECTION_KEY,
    function: callerName ?? READ_LOOP,
    ownFrame: caller.caller ? sourceFrame(caller.caller) : undefined,
    stack: makeSite(CONNECTION_KEY, READ_LOOP, readLoopStack ?? [], options.modulePath).stack,
  }
  const dump = readLoopStack
    ? matchDump(readLoopStack, side.goroutineDump, options.modulePath)
    : { matched: 0 }
  const details: Record<string, string | number> = {
    readLoopStart: conns[0],
    readLoopEnd: conns[n - 1],
    writeLoopEnd: writers[n - 1],
    per1kRequests: trend.slope * 1000,
    pValue: trend.pValue,
    hintRule: hint.rule,
  }
  if (trend.settled !== undefined) details.readLoopSettled = trend.settled
  if (fds) {
    details.openFdsStart = fds[0]
    details.openFdsEnd = fds[n - 1]
    if (typeof side.settled.openFds === 'number') details.openFdsSettled = side.settled.openFds
    if (fdTrend) details.fdsPer1kRequests = fdTrend.slope * 1000
  } else {
    details.openFds = 'unavailable on this platform'
  }
  if (callerName) details.caller = callerName
  if (caller.evidence) details.callerEvidence = caller.evidence
  if (caller.others.length) details.otherCallers = caller.others.join(', ')
  if (dump.state) details.waitReason = dump.state
  if (dump.createdBy) details.createdBy = dump.createdBy
  const who = callerName ? `Requests made by ${callerName}` : 'Outbound HTTP requests'
  const fdText = fds ? `, open descriptors ${fds[0]} -> ${fds[n - 1]}` : ''
  return {
    kind: 'connection-leak',
    status: 'unknown',
    site,
    rate: trend.slope,
    unit: 'connections/req',
    growth: trend.growth,
    summary: `${who} leave their connections open: ${conns[0]} -> ${conns[n - 1]} HTTP client connections over ${formatCountInText(x[n - 1] - x[0])} requests${fdText}.`,
    hint: hint.hint,
    evidence: { requests: x, values: conns.slice(0, n), settled: trend.settled, pValue: trend.pValue },
    details,
  }
}
