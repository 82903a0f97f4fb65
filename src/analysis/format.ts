// Plain-text quantities for the one-sentence summaries and hints (the report
// escapes them; no Markdown here).

export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : ''
  let v = Math.abs(bytes)
  // A fraction of a byte per request is still worth saying ("0.31 B", never "0 B" for a nonzero floor).
  if (v < 1024) return `${sign}${v >= 10 || v === 0 ? Math.round(v) : Number(v.toPrecision(2))} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let u = -1
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${sign}${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`
}

export function formatCount(n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(1)}M`
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(0)}k`
  return Number.isInteger(n) ? String(n) : n.toPrecision(3)
}

export function formatNumber(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n)
  if (n === 0) return '0'
  return Math.abs(n) >= 10 ** digits ? Math.round(n).toString() : Number(n.toPrecision(digits)).toString()
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return fraction > 0 ? 'new' : String(fraction)
  const p = fraction * 100
  const abs = Math.abs(p)
  // Rounding must not turn -99.7% into -100% (everything gone).
  const text = abs >= 10 && !(p < 0 && abs >= 99.5 && abs < 100) ? p.toFixed(0) : p.toFixed(1)
  return `${p >= 0 ? '+' : ''}${text}%`
}
