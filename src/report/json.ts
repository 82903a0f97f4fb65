// The JSON rendering of the report (the `report` output) and its reader. The
// reader is a validator: in the fork-safe two-job mode the report comes from an
// artifact that the PR's own code could have written, so every field the
// renderer uses is type-checked and size-capped, and unknown fields are dropped.
import { REPORT_SCHEMA_VERSION, type Report, type ReportMeta, type RunTiming } from '../model/report.js'
import { STOP_REASONS } from '../model/sides.js'
import {
  ReportValidationError,
  array,
  number,
  object,
  oneOf,
  optArray,
  optNumber,
  optString,
  string,
} from './validate.js'
import { NAME, readAnalysis, SENTENCE, SHORT } from './read-analysis.js'

export { ReportValidationError } from './validate.js'

/** Keys that lead wherever they appear; the rest follow in alphabetical order. */
const LEADING_KEYS = ['schemaVersion', 'tool', 'meta', 'failures', 'verdict', 'analysis']

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered)
  if (typeof value === 'number') {
    // JSON has no Infinity ("new" allocation sites have an infinite change); NaN means unknown.
    if (Number.isNaN(value)) return null
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity'
    return value
  }
  if (typeof value !== 'object' || value === null) return value
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort((a, b) => {
      const ia = LEADING_KEYS.indexOf(a)
      const ib = LEADING_KEYS.indexOf(b)
      if (ia >= 0 || ib >= 0) return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib)
      return a < b ? -1 : a > b ? 1 : 0
    })
  const out: Record<string, unknown> = {}
  for (const k of keys) out[k] = ordered(obj[k])
  return out
}

/** Pretty JSON with a stable key order, so two reports diff cleanly. Ends with a newline. */
export function toJson(report: Report): string {
  return JSON.stringify(ordered(report), null, 2) + '\n'
}

/** Above this the report's text is not even parsed (the other caps are in read-analysis.ts). */
const MAX_TEXT = 100 * 1024 * 1024

function timing(value: unknown, path: string): RunTiming | undefined {
  if (value === undefined) return undefined
  const o = object(value, path)
  const ms = (v: unknown, p: string): number => number(v, p, { min: 0 })
  return {
    buildMs: ms(o.buildMs, `${path}.buildMs`),
    sides: array(o.sides, `${path}.sides`, 3, (v, p) => {
      const side = object(v, p)
      const stop = side.stop === undefined ? undefined : object(side.stop, `${p}.stop`)
      return {
        side: oneOf(side.side, `${p}.side`, ['base', 'head'] as const),
        startMs: ms(side.startMs, `${p}.startMs`),
        warmupMs: ms(side.warmupMs, `${p}.warmupMs`),
        measuredMs: ms(side.measuredMs, `${p}.measuredMs`),
        settleMs: ms(side.settleMs, `${p}.settleMs`),
        ...(stop
          ? {
              stop: {
                reason: oneOf(stop.reason, `${p}.stop.reason`, STOP_REASONS),
                why: string(stop.why, `${p}.stop.why`, SENTENCE),
              },
            }
          : {}),
      }
    }),
    analysisMs: ms(o.analysisMs, `${path}.analysisMs`),
    totalMs: ms(o.totalMs, `${path}.totalMs`),
  }
}

function meta(value: unknown, path: string): ReportMeta {
  const o = object(value, path)
  const repository = optString(o.repository, `${path}.repository`, SHORT)
  if (repository !== undefined && !/^[\w.-]+\/[\w.-]+$/.test(repository)) {
    throw new ReportValidationError(`${path}.repository`, 'expected "owner/name"')
  }
  const sha = (key: 'baseSha' | 'headSha'): string | undefined => {
    const s = optString(o[key], `${path}.${key}`, 64)
    if (s !== undefined && !/^[0-9a-f]{7,64}$/i.test(s))
      throw new ReportValidationError(`${path}.${key}`, 'expected a hexadecimal commit SHA')
    return s
  }
  return {
    repository,
    pullRequest: optNumber(o.pullRequest, `${path}.pullRequest`, { integer: true, min: 1 }),
    baseSha: sha('baseSha'),
    headSha: sha('headSha'),
    package: string(o.package, `${path}.package`, SHORT),
    workingDirectory: string(o.workingDirectory, `${path}.workingDirectory`, SHORT),
    modulePath: string(o.modulePath, `${path}.modulePath`, SHORT),
    requests: array(o.requests, `${path}.requests`, 1000, (r, p) => string(r, p, SENTENCE)),
    durationMs: number(o.durationMs, `${path}.durationMs`, { min: 0 }),
    warmupMs: number(o.warmupMs, `${path}.warmupMs`, { min: 0 }),
    connections: number(o.connections, `${path}.connections`, { integer: true, min: 0 }),
    snapshots: number(o.snapshots, `${path}.snapshots`, { integer: true, min: 0 }),
    regressionThreshold: number(o.regressionThreshold, `${path}.regressionThreshold`),
    failOn: array(o.failOn, `${path}.failOn`, 10, (w, p) => string(w, p, 40)),
    goVersion: optString(o.goVersion, `${path}.goVersion`, 100),
    platform: string(o.platform, `${path}.platform`, 100),
    generatedAt: string(o.generatedAt, `${path}.generatedAt`, 100),
    commentId: string(o.commentId, `${path}.commentId`, SHORT),
    sourceRoots: optArray(o.sourceRoots, `${path}.sourceRoots`, 10, (r, p) => string(r, p, NAME)),
    serverUrl: optString(o.serverUrl, `${path}.serverUrl`, SHORT),
    ...(o.stopEarly === true ? { stopEarly: true } : {}),
    ...(o.minLeak !== undefined ? { minLeak: number(o.minLeak, `${path}.minLeak`, { min: 1 }) } : {}),
    rate: optNumber(o.rate, `${path}.rate`, { min: 0 }),
    memProfileRate: optNumber(o.memProfileRate, `${path}.memProfileRate`, { integer: true, min: 1 }),
    requestsFile: optString(o.requestsFile, `${path}.requestsFile`, SHORT),
    headerNames: optArray(o.headerNames, `${path}.headerNames`, 100, headerName),
    ...(o.timing !== undefined ? { timing: timing(o.timing, `${path}.timing`) } : {}),
  }
}

/**
 * Reads and validates a report written by toJson, possibly by an untrusted run.
 * Throws ReportValidationError naming the offending field's path.
 */
export function parseReport(text: string): Report {
  if (typeof text !== 'string') throw new ReportValidationError('report', 'expected JSON text')
  if (text.length > MAX_TEXT) throw new ReportValidationError('report', `larger than ${MAX_TEXT} characters`)
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ReportValidationError('report', `not valid JSON: ${(error as Error).message}`)
  }
  const o = object(raw, 'report')
  // Version 2 only added optional fields (fixed leaks, harm): a version-1 report reads as it is.
  if (o.schemaVersion !== REPORT_SCHEMA_VERSION && o.schemaVersion !== 1) {
    const got =
      typeof o.schemaVersion === 'number' ? o.schemaVersion : JSON.stringify(o.schemaVersion ?? null)
    throw new ReportValidationError(
      'report.schemaVersion',
      `expected ${REPORT_SCHEMA_VERSION} (or 1), got ${got}`,
    )
  }
  const tool = object(o.tool, 'report.tool')
  if (tool.name !== 'memleak-action')
    throw new ReportValidationError('report.tool.name', 'expected "memleak-action"')
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'memleak-action', version: string(tool.version, 'report.tool.version', 60) },
    meta: meta(o.meta, 'report.meta'),
    analysis: readAnalysis(o.analysis, 'report.analysis'),
    failures: array(o.failures, 'report.failures', 20, (f, p) => string(f, p, SENTENCE)),
  }
}

/** A header's name as the load accepts it: it is shown in the comment's shell block, so nothing else. */
function headerName(value: unknown, path: string): string {
  const name = string(value, path, 100)
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new ReportValidationError(path, 'expected a header name')
  return name
}
