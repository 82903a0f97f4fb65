// The one line per snapshot that tells a user watching the job that the
// measurement is alive and sane: `base S3/6  30.1s/60s  12,345 req/s  0 errors  live heap 4.2 MB`.
import { formatDecimalBytes, formatGrouped } from '../model/format.js'

/** HeapAlloc from the MemStats footer of heap?debug=1, without decoding the profile. */
export function parseHeapAlloc(heapText: string | undefined): number | undefined {
  if (!heapText) return undefined
  const m = /^# HeapAlloc = (\d+)/m.exec(heapText)
  return m ? Number(m[1]) : undefined
}

export function formatSecs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}

export interface ProgressLine {
  side: string
  label: string
  index: number
  /** Snapshots planned on the fixed schedule; absent when the side stops when its answer is known. */
  total?: number
  elapsedMs: number
  durationMs: number
  requestsPerSecond: number
  errors: number
  heapAlloc?: number
  rssBytes?: number
}

export function formatProgress(p: ProgressLine): string {
  const heap = p.heapAlloc === undefined ? 'live heap ?' : `live heap ${formatDecimalBytes(p.heapAlloc)}`
  const rss = p.rssBytes === undefined ? '' : `  RSS ${formatDecimalBytes(p.rssBytes)}`
  const when =
    p.label === 'Sf'
      ? `${p.side} Sf  settled`
      : p.total === undefined
        ? `${p.side} ${p.label}  ${formatSecs(p.elapsedMs)} (at most ${formatSecs(p.durationMs).replace(/\.0s$/, 's')})`
        : `${p.side} ${p.label}/${p.total}  ${formatSecs(p.elapsedMs)}/${formatSecs(p.durationMs).replace(/\.0s$/, 's')}`
  const rate = p.label === 'Sf' ? '' : `  ${formatGrouped(p.requestsPerSecond)} req/s`
  return `${when}${rate}  ${formatGrouped(p.errors)} errors  ${heap}${rss}`
}
