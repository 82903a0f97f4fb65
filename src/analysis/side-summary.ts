// The per-side numbers the report shows next to the findings.
import type { HeapAnalysis } from './heap.js'
import { valueIndex } from './sites.js'
import type { AllocRate, SideData, SideSummary } from '../model/analysis.js'

function goroutineTotal(p: SideData['snapshots'][number]['goroutines']): number | undefined {
  if (!p) return undefined
  const vi = Math.max(0, valueIndex(p, 'goroutine'))
  return p.samples.reduce((s, x) => s + (x.values[vi] ?? 0), 0)
}

export function summarise(side: SideData, heap: HeapAnalysis, alloc: AllocRate): SideSummary {
  const snaps = side.snapshots
  const n = snaps.length
  const first = snaps[0]
  const last = snaps[n - 1]
  const totals = heap.table.totals
  const rss = [...snaps.map((s) => s.rssBytes), side.settled.rssBytes].filter(
    (v): v is number => typeof v === 'number',
  )
  const summary: SideSummary = {
    side: side.side,
    requests: side.load.requests,
    errors: side.load.errors,
    requestsPerSecond: side.load.requestsPerSecond,
    p99LatencyMs: side.load.latencyMs.p99,
    heapGrowthPer1kRequests: heap.total.slope * 1000,
    liveHeapStart: totals[0]?.inuseSpace ?? 0,
    liveHeapEnd: totals[n - 1]?.inuseSpace ?? 0,
    liveHeapSettled: totals[n]?.inuseSpace ?? 0,
    allocBytesPerRequest: alloc.bytesPerRequest,
    allocObjectsPerRequest: alloc.objectsPerRequest,
    heapSeries: [...snaps, side.settled].map((s, i) => ({
      label: s.label,
      requests: s.requests,
      elapsedMs: s.elapsedMs,
      inuseBytes: totals[i]?.inuseSpace ?? 0,
    })),
  }
  const g0 = goroutineTotal(first?.goroutines)
  const g1 = goroutineTotal(last?.goroutines)
  if (g0 !== undefined) summary.goroutinesStart = g0
  if (g1 !== undefined) summary.goroutinesEnd = g1
  if (rss.length) summary.rssPeakBytes = Math.max(...rss)
  if (typeof first?.openFds === 'number') summary.openFdsStart = first.openFds
  if (typeof last?.openFds === 'number') summary.openFdsEnd = last.openFds
  const gc0 = first?.memstats?.numGC
  const gc1 = last?.memstats?.numGC
  const env = side.runtimeEnv
  if (gc0 !== undefined || gc1 !== undefined || env.GOGC || env.GOMEMLIMIT) {
    summary.gc = {
      numGC: gc0 !== undefined && gc1 !== undefined ? gc1 - gc0 : 0,
      gcCPUFraction: last?.memstats?.gcCPUFraction,
      gogc: env.GOGC,
      gomemlimit: env.GOMEMLIMIT,
    }
  }
  return summary
}
