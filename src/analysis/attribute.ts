// One cause, one finding. A real leak shows up at several allocation sites: a
// map leak allocates the value and its key string in the same function; an
// unclosed response body leaks a connection whose bufio buffers, persistConn and
// request headers the heap profile sees as sites of their own (and, when the
// service talks to itself, the server end of each connection as a goroutine
// leak); every leaked goroutine leaves its descriptor behind. Reporting each as
// a separate leak buries the cause, so the evidence is folded into the finding
// that explains it, and stays visible there.
import type { HeapTable } from './sites.js'
import { formatBytesInText, formatNumber } from '../model/format.js'
import { goroutinesPerUnit } from './harm.js'
import { heapLeakSummary } from './heap.js'
import { heapOwners, SERVER_CONN } from './ownership.js'
import { evaluateTrend, type TrendOptions } from './trend.js'
import type { Finding } from '../model/analysis.js'

/** A server-end goroutine leak is the other end of a connection leak when their rates agree this closely. */
const SAME_RATE_RATIO = 2

export interface Attribution {
  findings: Finding[]
  /** Heap-leak site keys folded into another finding, with the finding's site key. */
  folded: Map<string, string>
}

export function attributeHeapFindings(
  findings: readonly Finding[],
  heap: { table: HeapTable; requests: readonly number[] },
  trendOptions: TrendOptions,
): Attribution {
  const sites = heap.table.sites
  const folded = new Map<string, string>()
  // The goroutines that pile up fastest explain runtime-internal growth first.
  const owners = findings
    .filter((f) => f.kind === 'connection-leak' || f.kind === 'goroutine-leak')
    .sort((a, b) => b.rate * goroutinesPerUnit(b) - a.rate * goroutinesPerUnit(a))
  const ownership = heapOwners(owners, heap)
  const heapLeaks = findings.filter((f) => f.kind === 'heap-leak' && sites.has(f.site.key))
  const absorbed = new Map<Finding, Finding[]>()

  for (const h of heapLeaks) {
    const owner = ownership.ownerOf(h.site.key)
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
  const groups = callPathGroups(heapLeaks, folded)
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
    const moving = owners.includes(f) ? ownership.explainedHeap(f, trendOptions) : undefined
    if (!parts && !ends && moving === undefined) {
      out.push(f)
      continue
    }
    out.push(withAbsorbed(f, parts, ends, moving))
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
function withAbsorbed(
  f: Finding,
  parts: Finding[] | undefined,
  ends: Finding[] | undefined,
  movingHeap: number | undefined,
): Finding {
  const details = { ...f.details }
  if (movingHeap !== undefined) details.heapExplainedPerRequest = movingHeap
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
