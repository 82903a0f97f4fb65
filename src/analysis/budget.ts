// A side stopped at its memory budget (issue 16) grew to most of what the runner
// can hold before a leak could be certain: that is a leak, reported with what was
// measured, at the site whose live heap grew most, rather than a run that ends
// with no verdict (or an OOM kill that takes the runner's other work with it).
import type { Finding } from '../model/analysis.js'
import { formatBytesInText } from '../model/format.js'
import type { HeapTable } from './sites.js'

/** The budget's finding for one side; undefined when no site's live heap grew. */
export function budgetFinding(
  table: HeapTable,
  requests: readonly number[],
  why: string,
): Finding | undefined {
  const n = requests.length
  const span = n > 1 ? requests[n - 1]! - requests[0]! : 0
  let top: { key: string; growth: number } | undefined
  for (const [key, values] of table.series) {
    const growth = (values[n - 1]?.inuseSpace ?? 0) - (values[0]?.inuseSpace ?? 0)
    if (growth > 0 && (!top || growth > top.growth)) top = { key, growth }
  }
  const info = top && table.sites.get(top.key)
  if (!top || !info || !(span > 0)) return undefined
  const rate = top.growth / span
  const where = info.site.ownFrame ?? info.site
  const line = 'line' in where ? ` (${where.file}:${where.line})` : ''
  return {
    kind: 'heap-leak',
    status: 'new',
    site: info.site,
    rate,
    unit: 'B/req',
    growth: top.growth,
    summary: `The service's memory reached its budget within ${requests[n - 1]!.toLocaleString('en-US')} requests (${why}), so it was stopped before the runner ran out; the live heap grew most in ${where.function}${line}, by ${formatBytesInText(rate)} a request.`,
    hint: `Something keeps what every request allocates at ${where.function}: a global map or slice, a cache without eviction. Bound it (LRU, TTL, maximum size) or drop entries when done; the last heap profile in the artifact shows the whole picture.`,
    evidence: {
      requests: [...requests],
      values: (table.series.get(top.key) ?? []).slice(0, n).map((v) => v.inuseSpace),
    },
    details: { hintRule: 'memory-budget', stoppedBecause: why },
  }
}
