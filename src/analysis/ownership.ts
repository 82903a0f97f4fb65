// Which goroutine or connection leak explains a heap site: the rules attribute.ts
// folds by. A leaked goroutine keeps what its own code, its creator and (captured
// in its closure) its creator's caller allocated, plus its runtime descriptor; a
// leaked connection keeps its buffers, the request in flight and, when the service
// serves the other end itself, that server's per-connection state.
import type { HeapSiteInfo, HeapTable } from './sites.js'
import { evaluateTrend, type TrendOptions } from './trend.js'
import type { Finding } from '../model/analysis.js'

const CLIENT_CONN = /^net\/http\.(\(\*Transport\)\.(dialConn|dialConnFor)|\(\*persistConn\)\.)/
/** Frames of an outbound request in flight: what a leaked client connection keeps alive. */
const CLIENT_CALL = /^net\/http\.(\(\*Client\)\.|\(\*Transport\)\.|\(\*persistConn\)\.|send$)/
export const SERVER_CONN = /^net\/http\.(\(\*Server\)\.(Serve|newConn)|\(\*conn\)\.serve)$/
/** Goroutine descriptors, the runtime's list of all goroutines, and the parking lots of blocked ones. */
const GOROUTINE_RUNTIME = /^(runtime\.(malg|newproc1|allgadd|acquireSudog)|sync\.runtime_\w+)$/
/**
 * A value the creator's caller built is the goroutine's only when it piles up at about the
 * goroutines' pace: each goroutine captures one, where a leak of the caller's own (a map it
 * fills on every request) grows by one per request however few goroutines are left behind.
 */
const CAPTURED_PER_GOROUTINE = 2

export interface HeapOwners {
  /** The owner that explains a heap site, if any. */
  ownerOf(siteKey: string): Finding | undefined
  /** Live heap per request at every site an owner explains, significant or not (see explainedHeap). */
  explainedHeap(owner: Finding, trendOptions: TrendOptions): number | undefined
}

export function heapOwners(
  owners: readonly Finding[],
  heap: { table: HeapTable; requests: readonly number[] },
): HeapOwners {
  const { table, requests } = heap
  const callers = callersByCallee(table)
  const span = requests.length > 1 ? requests[requests.length - 1] - requests[0] : 0
  const objectsPerRequest = (key: string): number => {
    const row = table.series.get(key)
    const n = requests.length
    if (!row || span <= 0) return NaN
    return ((row[n - 1]?.inuseObjects ?? 0) - (row[0]?.inuseObjects ?? 0)) / span
  }
  const capturedFromCaller = (owner: Finding, key: string, own: string): boolean => {
    const creator = typeof owner.details.createdBy === 'string' ? owner.details.createdBy : undefined
    if (!creator || !callers.get(creator)?.has(own)) return false
    const objects = objectsPerRequest(key)
    return objects > 0 && objects <= CAPTURED_PER_GOROUTINE * owner.rate
  }
  // Asked once per heap leak and once per site for each owner's explained heap: decided once.
  const decided = new Map<string, Finding | undefined>()
  const decide = (key: string): Finding | undefined => {
    const info = table.sites.get(key)
    if (!info) return undefined
    const fns = [...info.functions]
    const own = info.site.ownFrame?.function
    return (
      owners.find((o) => o.kind === 'connection-leak' && explainsByClient(o, fns, own)) ??
      owners.find((o) => explains(o, info, fns, own) || (!!own && capturedFromCaller(o, key, own)))
    )
  }
  const ownerOf = (key: string): Finding | undefined => {
    if (!decided.has(key)) decided.set(key, decide(key))
    return decided.get(key)
  }
  return {
    ownerOf,
    explainedHeap(owner, trendOptions) {
      // Summed before the fit, so the churn of per-request sites its rules also match
      // cancels out instead of adding up: the goroutine descriptors of a goroutine leak are
      // one site among many, and a run in which they stay under the site test's floor still
      // has them in the whole heap's growth.
      const x = [...requests]
      const sum = new Array<number>(x.length + 1).fill(0)
      let seen = false
      for (const [key, row] of table.series) {
        if (ownerOf(key) !== owner) continue
        seen = true
        for (let i = 0; i <= x.length; i++) sum[i] += row[i]?.inuseSpace ?? 0
      }
      if (!seen || x.length < 2) return undefined
      return Math.max(0, evaluateTrend(x, sum.slice(0, x.length), sum[x.length], trendOptions).slope)
    },
  }
}

/** For each function on the heap profile's stacks, the functions seen calling it. */
function callersByCallee(table: HeapTable): Map<string, Set<string>> {
  const callers = new Map<string, Set<string>>()
  for (const info of table.sites.values()) {
    for (const stack of info.stacks) {
      for (let i = 0; i + 1 < stack.length; i++) {
        const callee = stack[i].func.name
        let set = callers.get(callee)
        if (!set) callers.set(callee, (set = new Set()))
        set.add(stack[i + 1].func.name)
      }
    }
  }
  return callers
}

/** Heap an outbound request in flight keeps alive, allocated on the path of the leaking caller. */
function explainsByClient(conn: Finding, heapFunctions: readonly string[], own: string | undefined): boolean {
  if (!heapFunctions.some((f) => CLIENT_CALL.test(f))) return false
  const caller = typeof conn.details.caller === 'string' ? conn.details.caller : undefined
  return !own || !caller || caller === own
}

/**
 * Allocated by net/http's server for a connection, below the service's own frame (the
 * code that started the server): the server's per-connection state. A handler's own
 * allocation has its frame below the server's instead, and stays the handler's.
 */
function madeByServerFor(info: HeapSiteInfo, own: string): boolean {
  return info.stacks.some((stack) => {
    const server = stack.findIndex((f) => SERVER_CONN.test(f.func.name))
    const mine = stack.findIndex((f) => f.func.name === own)
    return server >= 0 && (mine < 0 || server < mine)
  })
}

function explains(
  owner: Finding,
  info: HeapSiteInfo,
  heapFunctions: readonly string[],
  own: string | undefined,
): boolean {
  const stack = owner.site.stack.map((s) => s.split(' ')[0])
  const serverSide = owner.kind === 'connection-leak' || stack.some((f) => SERVER_CONN.test(f))
  if (own) {
    // Objects allocated by the leaking goroutine's own code, or by the code that starts it.
    if (owner.kind === 'goroutine-leak' && (stack.includes(own) || own === owner.details.createdBy))
      return true
    return serverSide && madeByServerFor(info, own)
  }
  const clientConn = owner.kind === 'connection-leak' || stack.some((f) => CLIENT_CONN.test(f))
  if (clientConn && heapFunctions.some((f) => CLIENT_CONN.test(f))) return true
  // A service that calls itself holds the server end of each leaked connection too: its
  // request headers and buffers grow with the leak even in a run where the server-end
  // goroutines stayed under the goroutine test's floor.
  if (serverSide && heapFunctions.some((f) => SERVER_CONN.test(f))) return true
  return (
    heapFunctions.some((f) => GOROUTINE_RUNTIME.test(f)) ||
    heapFunctions.every((f) => f.startsWith('runtime.'))
  )
}
