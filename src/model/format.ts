// Every number the tool prints, in one place. The report's (binary byte units,
// k/M counts, signed changes) accept any number (NaN, Infinity) and never throw:
// a report from an untrusted artifact may hold anything the validator let pass.
// The other styles are named for where they are read: sentences of the analysis
// (`…InText`), the progress lines of the log (decimal units, grouped digits),
// memory limits and exact sizes in error messages. (Seconds, `formatSeconds`, are
// service/http.ts's: service/ must load on its own, as the safety-net test loads it.)

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

/** Three significant digits at most, without trailing zeros (1.2, 12.3, 123, 1234). */
function sig(value: number): string {
  const abs = Math.abs(value)
  if (abs >= 100) return Math.round(value).toString()
  if (abs >= 10) return trimZeros(value.toFixed(1))
  return trimZeros(value.toFixed(abs >= 1 ? 2 : abs >= 0.1 ? 2 : 3))
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text
}

/** 0 B, 412 B, 1.2 KiB, 34.5 MiB. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return bytes > 0 ? '∞' : bytes < 0 ? '-∞' : 'n/a'
  const sign = bytes < 0 ? '-' : ''
  let value = Math.abs(bytes)
  let unit = 0
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024
    unit++
  }
  // Whole bytes stay whole; a fraction of a byte per request is still worth showing.
  const text = unit === 0 && value >= 10 ? Math.round(value).toString() : sig(value)
  return `${sign}${text} ${BYTE_UNITS[unit]}`
}

/** +412 B, -1.2 KiB, 0 B. */
export function formatSignedBytes(bytes: number): string {
  const text = formatBytes(bytes)
  return bytes > 0 ? `+${text}` : text
}

/** 950, 1.2k, 48.3k, 1.2M. */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return 'n/a'
  const sign = count < 0 ? '-' : ''
  const abs = Math.abs(count)
  if (abs < 1000) return sign + (Number.isInteger(abs) ? abs.toString() : sig(abs))
  if (abs < 1e6) return `${sign}${sig(abs / 1e3)}k`
  if (abs < 1e9) return `${sign}${sig(abs / 1e6)}M`
  return `${sign}${sig(abs / 1e9)}G`
}

export function formatSignedCount(count: number): string {
  const text = formatCount(count)
  return count > 0 ? `+${text}` : text
}

/** A relative change: +38%, -8%, +0.4%, new (Infinity). */
export function formatChange(change: number): string {
  if (change === Infinity) return 'new'
  if (!Number.isFinite(change)) return 'n/a'
  const pct = change * 100
  const abs = Math.abs(pct)
  // Rounding must not say -100% (everything gone) for -99.7%.
  const text =
    pct < 0 && abs >= 99.5 && abs < 100
      ? trimZeros(abs.toFixed(1))
      : abs >= 10
        ? Math.round(abs).toString()
        : abs >= 1
          ? trimZeros(abs.toFixed(1))
          : trimZeros(abs.toFixed(2))
  if (text === '0') return '0%'
  return `${pct > 0 ? '+' : '-'}${text}%`
}

/** Relative change of head against base, or undefined when it means nothing. */
export function relativeChange(base: number | undefined, head: number | undefined): number | undefined {
  if (base === undefined || head === undefined || !Number.isFinite(base) || !Number.isFinite(head))
    return undefined
  if (base === 0) return head === 0 ? 0 : undefined
  return head / base - 1
}

/** 0.8 ms, 12 ms, 1.2 s, 60 s, 2m 5s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a'
  if (ms < 1) return `${trimZeros(ms.toFixed(2))} ms`
  if (ms < 1000) return `${sig(ms)} ms`
  // Up to two minutes in seconds: "60 s" reads better than "1m" beside "10 s".
  if (ms < 120_000) return `${sig(ms / 1000)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return seconds ? `${minutes}m ${seconds}s` : `${minutes}m`
}

/** 12.3k req/s. */
export function formatRps(rps: number): string {
  return `${formatCount(rps)} req/s`
}

/** 1.2%, 0.05%. */
export function formatFraction(fraction: number): string {
  if (!Number.isFinite(fraction)) return 'n/a'
  const pct = fraction * 100
  return `${pct >= 10 ? Math.round(pct) : pct >= 1 ? trimZeros(pct.toFixed(1)) : trimZeros(pct.toFixed(2))}%`
}

/** p-values as a reader wants them: p < 0.001, p = 0.03. */
export function formatPValue(p: number): string {
  if (!Number.isFinite(p)) return 'p n/a'
  if (p < 0.001) return 'p < 0.001'
  return `p = ${trimZeros(p.toFixed(p < 0.01 ? 3 : 2))}`
}

/** A rate in the finding's unit: "+412 B/req", "+0.5 goroutines/req". */
export function formatRate(rate: number, unit: string): string {
  const perReq = /\/req(uest)?$/.test(unit)
  const base = unit.replace(/\/req(uest)?$/, '')
  if (base === 'B') return `${formatSignedBytes(rate)}${perReq ? '/req' : ''}`
  const abs = Math.abs(rate)
  const num = abs >= 1000 ? formatCount(rate) : abs >= 1 ? sig(rate) : abs === 0 ? '0' : rate.toPrecision(2)
  return `${rate > 0 ? '+' : ''}${num} ${base}${perReq ? '/req' : ''}`
}

/** Growth in a finding's base quantity: bytes for B, a count otherwise. */
export function formatQuantity(value: number, unit: string): string {
  const base = unit.replace(/\/req(uest)?$/, '')
  if (base === 'B') return formatSignedBytes(value)
  return `${formatSignedCount(value)} ${base}`
}

/** Seven characters of a commit. */
export function shortSha(sha: string | undefined): string | undefined {
  return sha && /^[0-9a-f]{7,64}$/i.test(sha) ? sha.slice(0, 7) : undefined
}

const SPARKS = '▁▂▃▄▅▆▇█'

/** A one-line trend: ▁▂▃▅▇. Empty for fewer than two finite values. */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter((v) => Number.isFinite(v))
  if (finite.length < 2) return ''
  const min = Math.min(...finite)
  const max = Math.max(...finite)
  const span = max - min
  return values
    .map((v) => {
      if (!Number.isFinite(v)) return ' '
      const i = span === 0 ? 0 : Math.round(((v - min) / span) * (SPARKS.length - 1))
      return SPARKS[i]
    })
    .join('')
}

/** At most n points of a series, evenly spaced, first and last kept. */
export function downsample<T>(values: readonly T[], n: number): T[] {
  if (values.length <= n) return [...values]
  if (n <= 1) return [values[values.length - 1]]
  const out: T[] = []
  for (let i = 0; i < n; i++) out.push(values[Math.round((i * (values.length - 1)) / (n - 1))])
  return out
}

// Plain-text quantities for the analysis's one-sentence summaries and hints (the report
// escapes them; no Markdown here).

export function formatBytesInText(bytes: number): string {
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

export function formatCountInText(n: number): string {
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

/** 4.2 MB: the progress line's decimal units. */
export function formatDecimalBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let v = bytes
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`
}

/** 12,345: a count in the log, every digit kept. */
export function formatGrouped(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

/** 512 MiB, 1.5 GiB: a memory limit. */
export function formatMemoryLimit(bytes: number): string {
  const GiB = 1024 ** 3
  return bytes >= GiB ? `${+(bytes / GiB).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`
}

/** 64 MiB, 12 KiB, or 1234 bytes: a size as given, never rounded. */
export function formatExactBytes(n: number): string {
  const MiB = 1024 * 1024
  if (n % MiB === 0) return `${n / MiB} MiB`
  if (n % 1024 === 0) return `${n / 1024} KiB`
  return `${n} bytes`
}
