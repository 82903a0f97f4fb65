// Allocation regressions. alloc_space / alloc_objects are cumulative since the
// process started, so each window between two snapshots gives one independent
// estimate of bytes (objects) per request; base and head each give n of them.
// Medians, a rank test (exact at these sizes) and a Hodges-Lehmann interval
// keep one noisy window (a GC at the wrong time, a sampling burst) from deciding.
import type { HeapTable } from './sites.js'
import { hodgesLehmann, holm, median } from './stats.js'
import { mannWhitney } from './rank-tests.js'
import type { AllocRate, AllocatorChange, AnalysisOptions, Site } from '../model/analysis.js'

/** Sites allocating less than both of these (per request, on both sides) are left out as noise. */
export const SITE_MIN_BYTES_PER_REQUEST = 64
export const SITE_MIN_SHARE = 0.01
/** Rows kept in growing / improved / topAllocators. */
export const MAX_ROWS = 50
export const TOP_ALLOCATORS = 20
export const TOTAL_SITE: Site = { key: '(total)', function: '(all allocations)', stack: [] }

export interface Windows {
  bytes: number[]
  objects: number[]
}

/** Per-window allocation per request; windows where no request completed are skipped. */
export function allocWindows(
  requests: readonly number[],
  bytes: readonly number[],
  objects: readonly number[],
): Windows {
  const out: Windows = { bytes: [], objects: [] }
  for (let i = 1; i < requests.length; i++) {
    const dr = requests[i] - requests[i - 1]
    if (!(dr > 0)) continue
    out.bytes.push((bytes[i] - bytes[i - 1]) / dr)
    out.objects.push((objects[i] - objects[i - 1]) / dr)
  }
  return out
}

export function allocRate(w: Windows): AllocRate {
  return {
    bytesPerRequest: w.bytes.length ? median(w.bytes) : 0,
    objectsPerRequest: w.objects.length ? median(w.objects) : 0,
    windows: w.bytes,
  }
}

/** Windows of every site and of the whole process, from S0..Sn (the settled profile is not a window). */
export function siteWindows(
  table: HeapTable,
  requests: readonly number[],
): { total: Windows; sites: Map<string, Windows> } {
  const n = requests.length
  const total = allocWindows(
    requests,
    table.totals.slice(0, n).map((v) => v.allocSpace),
    table.totals.slice(0, n).map((v) => v.allocObjects),
  )
  const sites = new Map<string, Windows>()
  for (const [key, row] of table.series) {
    sites.set(
      key,
      allocWindows(
        requests,
        row.slice(0, n).map((v) => v.allocSpace),
        row.slice(0, n).map((v) => v.allocObjects),
      ),
    )
  }
  return { total, sites }
}

/**
 * head vs base for one site: change = median(head)/median(base) - 1; the interval
 * is Hodges-Lehmann on log(window) (a shift of logs is a ratio), or on the raw
 * windows relative to base's median when a window is zero; p from a two-sided
 * Mann-Whitney U.
 */
export function compareRates(
  site: Site,
  head: AllocRate,
  base: AllocRate | undefined,
  alpha: number,
): AllocatorChange {
  if (!base) return { site, head, change: 0, significant: false }
  const hb = head.bytesPerRequest
  const bb = base.bytesPerRequest
  const change = bb > 0 ? hb / bb - 1 : hb > 0 ? Infinity : 0
  const out: AllocatorChange = { site, base, head, change, significant: false }
  if (head.windows.length && base.windows.length) {
    const p = mannWhitney(head.windows, base.windows, 'two-sided').p
    out.pValue = p
    out.significant = p < alpha
    if (head.windows.every((v) => v > 0) && base.windows.every((v) => v > 0)) {
      const hl = hodgesLehmann(base.windows.map(Math.log), head.windows.map(Math.log))
      if (hl.ci) out.ci = [Math.exp(hl.ci[0]) - 1, Math.exp(hl.ci[1]) - 1]
    } else if (bb > 0) {
      const hl = hodgesLehmann(base.windows, head.windows)
      if (hl.ci) out.ci = [hl.ci[0] / bb, hl.ci[1] / bb]
    }
  }
  return out
}

export interface RegressionResult {
  total: AllocatorChange
  growing: AllocatorChange[]
  improved: AllocatorChange[]
  topAllocators: AllocatorChange[]
  /** Sites compared after dropping the noise floor (the Holm family size). */
  compared: number
  truncated: boolean
}

export interface SideAllocations {
  table: HeapTable
  requests: readonly number[]
}

const zeroRate = (windows: number): AllocRate => ({
  bytesPerRequest: 0,
  objectsPerRequest: 0,
  windows: new Array<number>(windows).fill(0),
})

export function analyseRegressions(
  head: SideAllocations,
  base: SideAllocations | undefined,
  options: AnalysisOptions,
): RegressionResult {
  const hw = siteWindows(head.table, head.requests)
  const bw = base ? siteWindows(base.table, base.requests) : undefined
  const total = compareRates(
    TOTAL_SITE,
    allocRate(hw.total),
    bw ? allocRate(bw.total) : undefined,
    options.alpha,
  )
  const floor = Math.min(
    SITE_MIN_BYTES_PER_REQUEST,
    SITE_MIN_SHARE * Math.max(total.head.bytesPerRequest, total.base?.bytesPerRequest ?? 0),
  )
  const siteOf = (key: string) => head.table.sites.get(key)?.site ?? base?.table.sites.get(key)?.site
  const headRates = new Map([...hw.sites].map(([k, w]) => [k, allocRate(w)]))
  const baseRates = new Map([...(bw?.sites ?? [])].map(([k, w]) => [k, allocRate(w)]))

  const topAllocators = [...headRates]
    .sort((a, b) => b[1].bytesPerRequest - a[1].bytesPerRequest)
    .slice(0, TOP_ALLOCATORS)
    .filter(([, r]) => r.bytesPerRequest > 0)
    .map(([k, r]) =>
      compareRates(
        siteOf(k)!,
        r,
        bw ? (baseRates.get(k) ?? zeroRate(bw.total.bytes.length)) : undefined,
        options.alpha,
      ),
    )

  if (!bw) return { total, growing: [], improved: [], topAllocators, compared: 0, truncated: false }

  const keys = new Set([...headRates.keys(), ...baseRates.keys()])
  const rows: AllocatorChange[] = []
  for (const key of keys) {
    const h = headRates.get(key) ?? zeroRate(hw.total.bytes.length)
    const b = baseRates.get(key) ?? zeroRate(bw.total.bytes.length)
    if (Math.max(h.bytesPerRequest, b.bytesPerRequest) < floor) continue
    rows.push(compareRates(siteOf(key)!, h, b, options.alpha))
  }
  const adjusted = holm(rows.map((r) => r.pValue ?? 1))
  rows.forEach((r, i) => {
    r.adjustedPValue = adjusted[i]
    r.significant = adjusted[i] < options.alpha
  })
  const delta = (r: AllocatorChange) => r.head.bytesPerRequest - (r.base?.bytesPerRequest ?? 0)
  const order = (sign: 1 | -1) => (a: AllocatorChange, b: AllocatorChange) =>
    Number(b.significant) - Number(a.significant) || sign * (delta(b) - delta(a))
  const growing = rows.filter((r) => delta(r) > 0).sort(order(1))
  const improved = rows.filter((r) => delta(r) < 0).sort(order(-1))
  return {
    total,
    growing: growing.slice(0, MAX_ROWS),
    improved: improved.slice(0, MAX_ROWS),
    topAllocators,
    compared: rows.length,
    truncated: growing.length > MAX_ROWS || improved.length > MAX_ROWS,
  }
}
