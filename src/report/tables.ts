// The base-vs-head summary table and the allocator tables. Every cell is escaped
// for a table (no `|` can end a cell, no newline can end a row).
import { markdownTable } from 'markdown-table'
import type { AllocatorChange, SideSummary } from '../model/analysis.js'
import { escapeMarkdown } from './escape.js'
import {
  formatBytes,
  formatChange,
  formatCount,
  formatDuration,
  formatFraction,
  formatPValue,
  formatRps,
  formatSignedBytes,
  relativeChange,
} from '../model/format.js'
import { fn, location, type RenderContext } from './inline.js'

function cell(text: string): string {
  return escapeMarkdown(text, { max: 200 })
}

/** Aligned columns read well in a terminal (the CLI prints this Markdown); wide ones are not padded. */
function table(rows: string[][], align: ('l' | 'r' | 'c')[], aligned = false): string {
  return markdownTable(rows, { align, alignDelimiters: aligned, stringLength: (s) => Array.from(s).length })
}

interface Row {
  name: string
  value: (s: SideSummary) => string | undefined
  /** Relative change worth showing (numbers where "% more" means something). */
  change?: (s: SideSummary) => number | undefined
}

const fromTo = (
  a: number | undefined,
  b: number | undefined,
  f: (n: number) => string,
): string | undefined =>
  a === undefined && b === undefined
    ? undefined
    : `${a === undefined ? '?' : f(a)} → ${b === undefined ? '?' : f(b)}`

const ROWS: Row[] = [
  {
    name: 'Live heap growth per 1k requests',
    value: (s) => `${formatSignedBytes(s.heapGrowthPer1kRequests)}`,
  },
  {
    name: 'Live heap start → end (after load + GC)',
    value: (s) =>
      `${formatBytes(s.liveHeapStart)} → ${formatBytes(s.liveHeapEnd)} (${formatBytes(s.liveHeapSettled)})`,
  },
  {
    name: 'Allocated per request',
    value: (s) => formatBytes(s.allocBytesPerRequest),
    change: (s) => s.allocBytesPerRequest,
  },
  {
    name: 'Objects per request',
    value: (s) => formatCount(s.allocObjectsPerRequest),
    change: (s) => s.allocObjectsPerRequest,
  },
  { name: 'Goroutines start → end', value: (s) => fromTo(s.goroutinesStart, s.goroutinesEnd, formatCount) },
  {
    name: 'RSS peak',
    value: (s) => (s.rssPeakBytes === undefined ? undefined : formatBytes(s.rssPeakBytes)),
    change: (s) => s.rssPeakBytes,
  },
  { name: 'Open fds start → end', value: (s) => fromTo(s.openFdsStart, s.openFdsEnd, formatCount) },
  { name: 'Throughput', value: (s) => formatRps(s.requestsPerSecond), change: (s) => s.requestsPerSecond },
  { name: 'p99 latency', value: (s) => formatDuration(s.p99LatencyMs), change: (s) => s.p99LatencyMs },
  {
    name: 'Requests (errors)',
    value: (s) =>
      `${formatCount(s.requests)} (${s.errors === 0 ? 'no errors' : `${formatCount(s.errors)} errors`})`,
  },
  {
    name: 'GC cycles · GC CPU',
    value: (s) =>
      s.gc
        ? `${formatCount(s.gc.numGC)}${s.gc.gcCPUFraction === undefined ? '' : ` · ${formatFraction(s.gc.gcCPUFraction)}`}`
        : undefined,
  },
  {
    name: 'GOGC · GOMEMLIMIT',
    value: (s) =>
      s.gc && (s.gc.gogc || s.gc.gomemlimit)
        ? `${s.gc.gogc || '100'} · ${s.gc.gomemlimit || 'off'}`
        : undefined,
  },
]

export function summaryTable(head: SideSummary, base?: SideSummary): string {
  const rows: string[][] = []
  for (const row of ROWS) {
    const h = row.value(head)
    const b = base ? row.value(base) : undefined
    if (h === undefined && b === undefined) continue
    if (!base) {
      rows.push([cell(row.name), cell(h ?? '—')])
      continue
    }
    const change = row.change ? relativeChange(row.change(base), row.change(head)) : undefined
    rows.push([
      cell(row.name),
      cell(b ?? '—'),
      cell(h ?? '—'),
      change === undefined ? '' : cell(formatChange(change)),
    ])
  }
  const header = base ? ['', 'base', 'head', 'change'] : ['', 'head']
  return table([header, ...rows], base ? ['l', 'r', 'r', 'r'] : ['l', 'r'], true)
}

function significance(c: AllocatorChange): string {
  const p = c.adjustedPValue ?? c.pValue
  const pText = p === undefined ? '' : ` (${formatPValue(p)})`
  return cell(c.significant ? `significant${pText}` : `not significant${pText}`)
}

function change(c: AllocatorChange): string {
  const main = formatChange(c.change)
  if (!c.ci || !Number.isFinite(c.ci[0]) || !Number.isFinite(c.ci[1])) return cell(main)
  return cell(`${main} (${formatChange(c.ci[0])} to ${formatChange(c.ci[1])})`)
}

/** The PR's function that allocates, and the allocating leaf when that is elsewhere (json.Marshal). */
function allocatorName(c: AllocatorChange): string {
  const own = c.site.ownFrame?.function
  if (!own || own === c.site.function) return fn(c.site.function, true)
  return `${fn(own, true)} via ${fn(c.site.function, true)}`
}

export function allocatorTable(changes: readonly AllocatorChange[], ctx: RenderContext): string {
  const rows = changes.map((c) => [
    allocatorName(c),
    location(c.site.ownFrame, ctx, true),
    c.base ? cell(formatBytes(c.base.bytesPerRequest)) : '—',
    cell(formatBytes(c.head.bytesPerRequest)),
    change(c),
    significance(c),
  ])
  return table(
    [['Function', 'Location', 'base B/req', 'head B/req', 'change', 'significance'], ...rows],
    ['l', 'l', 'r', 'r', 'r', 'l'],
  )
}

/** Head alone (no base to compare with): where the allocations go, largest first. */
export function headAllocatorTable(rates: readonly AllocatorChange[], ctx: RenderContext): string {
  const rows = rates.map((c) => [
    allocatorName(c),
    location(c.site.ownFrame, ctx, true),
    cell(formatBytes(c.head.bytesPerRequest)),
    cell(formatCount(c.head.objectsPerRequest)),
  ])
  return table([['Function', 'Location', 'B/req', 'objects/req'], ...rows], ['l', 'l', 'r', 'r'])
}
