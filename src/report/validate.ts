// A small reader for untrusted JSON: every accessor checks the type, caps the
// size and names the field path in its error ("report.analysis.findings[2].rate").

export class ReportValidationError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`)
    this.name = 'ReportValidationError'
  }
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

export type Json = Record<string, unknown>

export function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ReportValidationError(path, `expected an object, got ${typeName(value)}`)
  }
  return value as Json
}

/** A string, cut to max characters (a longer one is kept, not refused: it is only text). */
export function string(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string')
    throw new ReportValidationError(path, `expected a string, got ${typeName(value)}`)
  return value.length > max ? value.slice(0, max - 1) + '…' : value
}

export function optString(value: unknown, path: string, max: number): string | undefined {
  return value === undefined || value === null ? undefined : string(value, path, max)
}

export function number(value: unknown, path: string, opts: { min?: number; integer?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ReportValidationError(path, `expected a finite number, got ${typeName(value)}`)
  }
  if (opts.integer && !Number.isInteger(value))
    throw new ReportValidationError(path, `expected a whole number, got ${value}`)
  if (opts.min !== undefined && value < opts.min)
    throw new ReportValidationError(path, `expected at least ${opts.min}, got ${value}`)
  return value
}

export function optNumber(
  value: unknown,
  path: string,
  opts: { min?: number; integer?: boolean } = {},
): number | undefined {
  return value === undefined || value === null ? undefined : number(value, path, opts)
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean')
    throw new ReportValidationError(path, `expected true or false, got ${typeName(value)}`)
  return value
}

export function array<T>(
  value: unknown,
  path: string,
  max: number,
  item: (v: unknown, path: string) => T,
): T[] {
  if (!Array.isArray(value))
    throw new ReportValidationError(path, `expected an array, got ${typeName(value)}`)
  if (value.length > max)
    throw new ReportValidationError(path, `expected at most ${max} items, got ${value.length}`)
  return value.map((v, i) => item(v, `${path}[${i}]`))
}

export function optArray<T>(
  value: unknown,
  path: string,
  max: number,
  item: (v: unknown, path: string) => T,
): T[] | undefined {
  return value === undefined || value === null ? undefined : array(value, path, max, item)
}

export function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const got = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeName(value)
    throw new ReportValidationError(path, `expected one of ${allowed.join(', ')}, got ${got}`)
  }
  return value as T
}

/** A string-keyed record of strings or numbers, at most max entries. */
export function record(
  value: unknown,
  path: string,
  max: number,
  maxString: number,
): Record<string, string | number> {
  const obj = object(value, path)
  const keys = Object.keys(obj)
  if (keys.length > max)
    throw new ReportValidationError(path, `expected at most ${max} entries, got ${keys.length}`)
  const out: Record<string, string | number> = {}
  for (const key of keys) {
    const p = `${path}.${key.length > 40 ? key.slice(0, 40) + '…' : key}`
    if (key.length > 100) throw new ReportValidationError(p, 'key longer than 100 characters')
    if (key === '__proto__' || key === 'constructor' || key === 'prototype')
      throw new ReportValidationError(p, 'reserved key')
    const v = obj[key]
    if (typeof v === 'number') out[key] = number(v, p)
    else if (typeof v === 'string') out[key] = string(v, p, maxString)
    else throw new ReportValidationError(p, `expected a string or a number, got ${typeName(v)}`)
  }
  return out
}
