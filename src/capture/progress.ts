// The one line per snapshot that tells a user watching the job that the
// measurement is alive and sane: `base S3/6  30.1s/60s  12,345 req/s  0 errors  live heap 4.2 MB`.

/** HeapAlloc from the MemStats footer of heap?debug=1, without decoding the profile. */
export function parseHeapAlloc(heapText: string | undefined): number | undefined {
  if (!heapText) return undefined
  const m = /^# HeapAlloc = (\d+)/m.exec(heapText)
  return m ? Number(m[1]) : undefined
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let v = bytes
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

export function formatSecs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}

export interface ProgressLine {
  side: string
  label: string
  index: number
  total: number
  elapsedMs: number
  durationMs: number
  requestsPerSecond: number
  errors: number
  heapAlloc?: number
  rssBytes?: number
}

export function formatProgress(p: ProgressLine): string {
  const heap = p.heapAlloc === undefined ? 'live heap ?' : `live heap ${formatBytes(p.heapAlloc)}`
  const rss = p.rssBytes === undefined ? '' : `  RSS ${formatBytes(p.rssBytes)}`
  const when =
    p.label === 'Sf'
      ? `${p.side} Sf  settled`
      : `${p.side} ${p.label}/${p.total}  ${formatSecs(p.elapsedMs)}/${formatSecs(p.durationMs).replace(/\.0s$/, 's')}`
  const rate = p.label === 'Sf' ? '' : `  ${formatCount(p.requestsPerSecond)} req/s`
  return `${when}${rate}  ${formatCount(p.errors)} errors  ${heap}${rss}`
}
