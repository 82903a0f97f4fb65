// Parsers for the scalar input forms. Each throws UsageError naming the input
// and showing the expected form, so the message alone tells the user what to fix.
import { UsageError } from '../model/errors.js'

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

export function parseDuration(name: string, raw: string, { allowZero = false } = {}): number {
  const text = raw.trim()
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)]
  const joined = parts.map((p) => p[0]).join('')
  if (!text || joined !== text) {
    throw new UsageError(`${name}: expected a duration like 30s, 2m or 1m30s, got ${JSON.stringify(raw)}`)
  }
  const ms = Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * UNITS_MS[p[2]], 0))
  if (ms === 0 && !allowZero)
    throw new UsageError(`${name}: must be longer than 0, got ${JSON.stringify(raw)}`)
  return ms
}

const UNITS_BYTES: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }

/** "256MiB", "1GiB", "512KiB" → bytes; binary units only, so no one wonders whether MB is 10^6. */
export function parseSize(name: string, raw: string, min: number, max: number): number {
  const m = /^(\d+(?:\.\d+)?) ?(B|KiB|MiB|GiB)$/.exec(raw.trim())
  const bytes = m ? Math.round(Number(m[1]) * UNITS_BYTES[m[2]]) : NaN
  if (!(bytes >= min && bytes <= max)) {
    const range = m ? ` from ${formatSize(min)} to ${formatSize(max)}` : ' like 256MiB or 1GiB'
    throw new UsageError(`${name}: expected a size${range}, got ${JSON.stringify(raw)}`)
  }
  return bytes
}

export function formatSize(bytes: number): string {
  for (const unit of ['GiB', 'MiB', 'KiB'] as const) {
    if (bytes >= UNITS_BYTES[unit] && bytes % UNITS_BYTES[unit] === 0)
      return `${bytes / UNITS_BYTES[unit]}${unit}`
  }
  return `${bytes}B`
}

/** The input form of a duration (90_000 → "1m30s"), so messages quote what the user wrote. */
export function formatDuration(ms: number): string {
  const parts: string[] = []
  let rest = ms
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`)
      rest %= size
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`)
  return parts.join('')
}

export function parseInteger(name: string, raw: string, min: number, max: number): number {
  const text = raw.trim()
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${name}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  }
  return Number(text)
}

/** "10%" or "0.1" → 0.1 */
export function parseFraction(name: string, raw: string): number {
  const text = raw.trim()
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text)
  if (!m)
    throw new UsageError(
      `${name}: expected a percentage like 10% (or a fraction like 0.1), got ${JSON.stringify(raw)}`,
    )
  const value = m[2] ? Number(m[1]) / 100 : Number(m[1])
  if (!(value > 0) || value > 100) {
    throw new UsageError(`${name}: expected a percentage above 0%, got ${JSON.stringify(raw)}`)
  }
  return value
}

export function parseBoolean(name: string, raw: string): boolean {
  const text = raw.trim().toLowerCase()
  if (['true', 'yes', '1', 'on'].includes(text)) return true
  if (['false', 'no', '0', 'off', ''].includes(text)) return false
  throw new UsageError(`${name}: expected true or false, got ${JSON.stringify(raw)}`)
}

export function parseHttpUrl(name: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw new UsageError(
      `${name}: expected a URL like http://127.0.0.1:8080/debug/pprof, got ${JSON.stringify(raw)}`,
    )
  }
  if (url.protocol !== 'http:') {
    throw new UsageError(`${name}: expected an http:// URL on this machine, got ${JSON.stringify(raw)}`)
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    // The service runs on the runner itself; anything else would send our traffic elsewhere.
    throw new UsageError(
      `${name}: expected a loopback host (127.0.0.1, localhost or [::1]), got ${JSON.stringify(url.hostname)}`,
    )
  }
  return url.toString()
}

/**
 * Shell-like words for `args`: whitespace separates, single and double quotes group,
 * backslash escapes. No expansion of any kind: the service gets exactly these strings.
 */
export function parseArgs(name: string, raw: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | null = null
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < raw.length) word += raw[++i]
      else word += c
    } else if (c === '"' || c === "'") {
      quote = c
      inWord = true
    } else if (c === '\\' && i + 1 < raw.length) {
      word += raw[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) throw new UsageError(`${name}: unterminated ${quote} quote in ${JSON.stringify(raw)}`)
  if (inWord) words.push(word)
  return words
}
