// One cause, one finding. A real leak shows up at several allocation sites: a
// map leak allocates the value and its key string in the same function; an
// unclosed response body leaks a connection whose bufio buffers and persistConn
// the heap profile sees as sites of their own; every leaked goroutine leaves
// its descriptor behind. Reporting each as a separate heap leak buries the
// cause, so heap findings are merged into the finding that explains them.
import type { HeapSiteInfo } from './sites.js'
import { formatBytes } from './format.js'
import { heapLeakSummary } from './heap.js'
import type { Finding } from './types.js'

const CLIENT_CONN = /^net\/http\.(\(\*Transport\)\.(dialConn|dialConnFor)|\(\*persistConn\)\.)/
const SERVER_CONN = /^net\/http\.(\(\*Server\)\.(Serve|newConn)|\(\*conn\)\.serve)$/
/** Goroutine descriptors and the runtime's list of all goroutines. */
const GOROUTINE_RUNTIME = /^runtime\.(malg|newproc1|allgadd)$/

export interface Attribution {
  findings: Finding[]
  /** Heap-leak site keys folded into another finding, with the finding's site key. */
  folded: Map<string, string>
}

export function attributeHeapFindings(
  findings: readonly Finding[],
  sites: ReadonlyMap<string, HeapSiteInfo>,
): Attribution {
  const folded = new Map<string, string>()
  const owners = findings.filter((f) => f.kind === 'connection-leak' || f.kind === 'goroutine-leak')
  const heap = findings.filter((f) => f.kind === 'heap-leak' && sites.has(f.site.key))
  const absorbed = new Map<Finding, Finding[]>()

  for (const h of heap) {
    const fns = [...sites.get(h.site.key)!.functions]
    const own = h.site.ownFrame?.function
    const owner = owners.find((o) => explains(o, fns, own))
    if (!owner) continue
    absorbed.set(owner, [...(absorbed.get(owner) ?? []), h])
    folded.set(h.site.key, owner.site.key)
  }

  // Remaining heap leaks that share the function a reviewer must change: one finding.
  const byOwn = new Map<string, Finding[]>()
  for (const h of heap) {
    if (folded.has(h.site.key) || !h.site.ownFrame) continue
    const k = h.site.ownFrame.function
    byOwn.set(k, [...(byOwn.get(k) ?? []), h])
  }
  const merged = new Map<Finding, Finding>()
  for (const group of byOwn.values()) {
    if (group.length < 2) continue
    const [lead, ...rest] = [...group].sort((a, b) => b.growth - a.growth)
    merged.set(lead, mergeHeap(lead, rest))
    for (const r of rest) folded.set(r.site.key, lead.site.key)
  }

  const out: Finding[] = []
  for (const f of findings) {
    if (folded.has(f.site.key) && f.kind === 'heap-leak') continue
    const m = merged.get(f)
    if (m) {
      out.push(m)
      continue
    }
    const parts = absorbed.get(f)
    if (!parts) {
      out.push(f)
      continue
    }
    const rate = parts.reduce((s, p) => s + p.rate, 0)
    out.push({
      ...f,
      details: {
        ...f.details,
        heapRetainedPerRequest: rate,
        heapSites: parts.map((p) => `${p.site.function} ${formatBytes(p.rate)}/req`).join(', '),
      },
    })
  }
  return { findings: out, folded }
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
  if (stack.some((f) => SERVER_CONN.test(f)) && heapFunctions.some((f) => SERVER_CONN.test(f))) return true
  return (
    heapFunctions.some((f) => GOROUTINE_RUNTIME.test(f)) ||
    heapFunctions.every((f) => f.startsWith('runtime.'))
  )
}

function mergeHeap(lead: Finding, rest: readonly Finding[]): Finding {
  const all = [lead, ...rest]
  const sum = (pick: (f: Finding) => number) => all.reduce((s, f) => s + pick(f), 0)
  const values = lead.evidence.values.map((_, i) => all.reduce((s, f) => s + (f.evidence.values[i] ?? 0), 0))
  const settled = lead.evidence.settled === undefined ? undefined : sum((f) => f.evidence.settled ?? 0)
  const rate = sum((f) => f.rate)
  const growth = sum((f) => f.growth)
  const where = lead.site.ownFrame!.function
  const req = lead.evidence.requests
  const span = req.length ? req[req.length - 1] - req[0] : 0
  return {
    ...lead,
    rate,
    growth,
    summary: heapLeakSummary(where, rate, growth, span),
    evidence: { ...lead.evidence, values, settled },
    details: {
      ...lead.details,
      alsoRetaining: rest.map((f) => `${f.site.function} ${formatBytes(f.rate)}/req`).join(', '),
    },
  }
}
