// HTTP client connections left open (response bodies not closed): persistConn
// read/write loops growing together with open descriptors become one
// connection-leak finding, blamed on the own function that made the requests.
import type { Frame } from '../model/profile.js'
import { formatCountInText } from '../model/format.js'
import { connectionLeakHint } from './hints.js'
import { isOwnFunction, makeSite, sourceFrame, valueIndex } from './sites.js'
import type { Trend } from './trend.js'
import type { AnalysisOptions, Finding, SideData } from '../model/analysis.js'
import { matchDump } from './waiting.js'

export const CONNECTION_KEY = 'net/http.(*persistConn).readLoop'

export const READ_LOOP = 'net/http.(*persistConn).readLoop'
export const WRITE_LOOP = 'net/http.(*persistConn).writeLoop'
/** Entry points of net/http's client: an own frame calling one of these made the request. */
const CLIENT_ENTRY =
  /^net\/http\.(\(\*Client\)\.(Do|Get|Post|PostForm|Head|do|send)|Get|Post|PostForm|Head|send|\(\*Transport\)\.(RoundTrip|roundTrip))$/

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

/** The one connection-leak finding for the persistConn loops that grow with requests. */
export function connectionFinding(
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
