// One cause, one finding. A real leak shows up at several allocation sites: a
// map leak allocates the value and its key string in the same function; an
// unclosed response body leaks a connection whose bufio buffers, persistConn and
// request headers the heap profile sees as sites of their own (and, when the
// service talks to itself, the server end of each connection as a goroutine
// leak); every leaked goroutine leaves its descriptor behind. Reporting each as
// a separate leak buries the cause, so the evidence is folded into the finding
// that explains it, and stays visible there.
import type { HeapSiteInfo } from './sites.js'
import { formatBytesInText, formatNumber } from '../model/format.js'
import { goroutinesPerUnit } from './harm.js'
import { heapLeakSummary } from './heap.js'
import { evaluateTrend, type TrendOptions } from './trend.js'
import type { Finding } from '../model/analysis.js'

const CLIENT_CONN = /^net\/http\.(\(\*Transport\)\.(dialConn|dialConnFor)|\(\*persistConn\)\.)/
/** Frames of an outbound request in flight: what a leaked client connection keeps alive. */
const CLIENT_CALL = /^net\/http\.(\(\*Client\)\.|\(\*Transport\)\.|\(\*persistConn\)\.|send$)/
const SERVER_CONN = /^net\/http\.(\(\*Server\)\.(Serve|newConn)|\(\*conn\)\.serve)$/
/** Goroutine descriptors, the runtime's list of all goroutines, and the parking lots of blocked ones. */
const GOROUTINE_RUNTIME = /^(runtime\.(malg|newproc1|allgadd|acquireSudog)|sync\.runtime_\w+)$/
/** A server-end goroutine leak is the other end of a connection leak when their rates agree this closely. */
const SAME_RATE_RATIO = 2

export interface Attribution {
  findings: Finding[]
  /** Heap-leak site keys folded into another finding, with the finding's site key. */
  folded: Map<string, string>
}

export function attributeHeapFindings(
  findings: readonly Finding[],
  sites: ReadonlyMap<string, HeapSiteInfo>,
  trendOptions: TrendOptions,
): Attribution {
  const folded = new Map<string, string>()
  // The goroutines that pile up fastest explain runtime-internal growth first.
  const owners = findings
    .filter((f) => f.kind === 'connection-leak' || f.kind === 'goroutine-leak')
    .sort((a, b) => b.rate * goroutinesPerUnit(b) - a.rate * goroutinesPerUnit(a))
  const heap = findings.filter((f) => f.kind === 'heap-leak' && sites.has(f.site.key))
  const absorbed = new Map<Finding, Finding[]>()

  for (const h of heap) {
    const fns = [...sites.get(h.site.key)!.functions]
    const own = h.site.ownFrame?.function
    const owner =
      owners.find((o) => o.kind === 'connection-leak' && explainsByClient(o, fns, own)) ??
      owners.find((o) => explains(o, fns, own))
    if (!owner) continue
    absorbed.set(owner, [...(absorbed.get(owner) ?? []), h])
    folded.set(h.site.key, owner.site.key)
  }

  // The server end of leaked connections, when the service calls itself: the same cause.
  const serverEnds = new Map<Finding, Finding[]>()
  for (const conn of owners.filter((o) => o.kind === 'connection-leak')) {
    for (const g of findings) {
      if (g.kind !== 'goroutine-leak' || folded.has(g.site.key) || !isServerEnd(g)) continue
      if (g.rate > conn.rate * SAME_RATE_RATIO || g.rate * SAME_RATE_RATIO < conn.rate) continue
      serverEnds.set(conn, [...(serverEnds.get(conn) ?? []), g])
      folded.set(g.site.key, conn.site.key)
    }
  }

  // Remaining heap leaks of one call path are one cause: the same function a reviewer must
  // change, or a caller whose allocation the callee keeps (a map key built by the handler and
  // stored by the cache it calls). Largest first, so each group's lead is its largest site.
  const groups = callPathGroups(heap, folded)
  const merged = new Map<Finding, Finding>()
  for (const group of groups) {
    if (group.length < 2) continue
    const [lead, ...rest] = group
    merged.set(lead, mergeHeap(lead, rest, trendOptions))
    for (const r of rest) folded.set(r.site.key, lead.site.key)
  }

  const out: Finding[] = []
  for (const f of findings) {
    if (folded.has(f.site.key) && (f.kind === 'heap-leak' || f.kind === 'goroutine-leak')) continue
    const m = merged.get(f)
    if (m) {
      out.push(m)
      continue
    }
    const parts = absorbed.get(f)
    const ends = serverEnds.get(f)
    if (!parts && !ends) {
      out.push(f)
      continue
    }
    out.push(withAbsorbed(f, parts, ends))
  }
  return { findings: out, folded }
}

/** The heap leaks not yet folded, grouped by call path, largest first (so each group's lead is its largest site). */
function callPathGroups(heap: readonly Finding[], folded: ReadonlyMap<string, string>): Finding[][] {
  const groups: Finding[][] = []
  const ownFunctions = (f: Finding) => f.site.stack.map((s) => s.split(' ')[0])
  for (const h of [...heap].sort((a, b) => b.growth - a.growth)) {
    if (folded.has(h.site.key) || !h.site.ownFrame) continue
    const own = h.site.ownFrame.function
    const group = groups.find((g) => {
      const lead = g[0].site.ownFrame!.function
      return lead === own || ownFunctions(g[0]).includes(own) || ownFunctions(h).includes(lead)
    })
    if (group) group.push(h)
    else groups.push([h])
  }
  return groups
}

/** An owner's finding with what it absorbed: the heap sites it explains and the server ends of its connections. */
function withAbsorbed(f: Finding, parts: Finding[] | undefined, ends: Finding[] | undefined): Finding {
  const details = { ...f.details }
  if (parts) {
    details.heapRetainedPerRequest = parts.reduce((s, p) => s + p.rate, 0)
    details.heapSites = parts.map((p) => `${p.site.function} ${formatBytesInText(p.rate)}/req`).join(', ')
  }
  if (ends) {
    details.serverEndGoroutines = ends.reduce((s, g) => s + g.rate, 0)
    details.serverEnd = ends
      .map((g) => `${g.site.function} ${formatNumber(g.rate)} goroutines/req`)
      .join(', ')
  }
  return { ...f, details }
}

function isServerEnd(g: Finding): boolean {
  return g.details.hintRule === 'server-conn' || g.site.stack.some((s) => SERVER_CONN.test(s.split(' ')[0]))
}

/** Heap an outbound request in flight keeps alive, allocated on the path of the leaking caller. */
function explainsByClient(conn: Finding, heapFunctions: readonly string[], own: string | undefined): boolean {
  if (!heapFunctions.some((f) => CLIENT_CALL.test(f))) return false
  const caller = typeof conn.details.caller === 'string' ? conn.details.caller : undefined
  return !own || !caller || caller === own
}

function explains(owner: Finding, heapFunctions: readonly string[], own: string | undefined): boolean {
  const stack = owner.site.stack.map((s) => s.split(' ')[0])
  const creator = typeof owner.details.createdBy === 'string' ? owner.details.createdBy : undefined
  if (own) {
    // Objects allocated by the leaking goroutine's own code, or by the code that starts it.
    return owner.kind === 'goroutine-leak' && (stack.includes(own) || own === creator)
  }
  const clientConn = owner.kind === 'connection-leak' || stack.some((f) => CLIENT_CONN.test(f))
  if (clientConn && heapFunctions.some((f) => CLIENT_CONN.test(f))) return true
  // A service that calls itself holds the server end of each leaked connection too: its
  // request headers and buffers grow with the leak even in a run where the server-end
  // goroutines stayed under the goroutine test's floor.
  if (owner.kind === 'connection-leak' && heapFunctions.some((f) => SERVER_CONN.test(f))) return true
  if (stack.some((f) => SERVER_CONN.test(f)) && heapFunctions.some((f) => SERVER_CONN.test(f))) return true
  return (
    heapFunctions.some((f) => GOROUTINE_RUNTIME.test(f)) ||
    heapFunctions.every((f) => f.startsWith('runtime.'))
  )
}

/**
 * One heap finding from several sites of one function. Its rate, interval and fitted
 * start/end come from one fit of the summed series, so they belong together.
 */
function mergeHeap(lead: Finding, rest: readonly Finding[], trendOptions: TrendOptions): Finding {
  const all = [lead, ...rest]
  const sum = (pick: (f: Finding) => number) => all.reduce((s, f) => s + pick(f), 0)
  const values = lead.evidence.values.map((_, i) => all.reduce((s, f) => s + (f.evidence.values[i] ?? 0), 0))
  const settled = lead.evidence.settled === undefined ? undefined : sum((f) => f.evidence.settled ?? 0)
  const req = lead.evidence.requests
  const fit = evaluateTrend(req, values, settled, trendOptions)
  const rate = fit.slope
  const growth = fit.growth
  const where = lead.site.ownFrame!.function
  const span = req.length ? req[req.length - 1] - req[0] : 0
  return {
    ...lead,
    rate,
    growth,
    summary: heapLeakSummary(where, rate, growth, span),
    evidence: { ...lead.evidence, values, settled, pValue: fit.pValue },
    details: {
      ...lead.details,
      slopeLow: fit.slopeLow,
      slopeHigh: fit.slopeHigh,
      start: fit.start,
      end: fit.end,
      lateSlope: fit.lateSlope,
      noiseFloor: fit.noiseFloor,
      scatter: fit.scatter,
      alsoRetaining: rest.map((f) => `${f.site.function} ${formatBytesInText(f.rate)}/req`).join(', '),
    },
  }
}
