// RSS that grows while the live heap does not: memory the heap profile cannot
// see (goroutine stacks, runtime metadata, freed memory not returned to the OS,
// cgo). The MemStats footer says which, so it goes beside RSS in the details.
import type { MemStats } from '../model/profile.js'
import { formatBytesInText, formatCountInText, formatFraction } from '../model/format.js'
import { rssGrowthHint } from './hints.js'
import { offHeapCaller } from './offheap.js'
import type { Profile } from '../model/profile.js'
import { evaluateTrend, type Trend } from './trend.js'
import type { AnalysisOptions, Finding, SideData } from '../model/analysis.js'

export const RSS_MIN_GROWTH = 8 * 1024 * 1024
/** ...and at least this fraction of the RSS at the start. */
export const RSS_MIN_FRACTION = 0.1
/** Live heap growth explaining less than this share of the RSS growth counts as a flat heap. */
export const HEAP_SHARE_MAX = 0.25
export const RSS_KEY = '(process RSS)'

export interface RssAnalysis {
  trend?: Trend
  finding?: Finding
}

const MEMSTAT_FIELDS = ['heapInuse', 'heapIdle', 'heapReleased', 'heapSys', 'stackInuse', 'sys'] as const

export function analyseRss(
  side: SideData,
  options: AnalysisOptions,
  liveHeap: Trend,
  goroutineGrowth?: number,
  baseCpu?: Profile,
): RssAnalysis {
  const snaps = side.snapshots
  const n = snaps.length
  const rss = snaps.map((s) => s.rssBytes)
  if (n < 3 || !rss.every((r): r is number => typeof r === 'number' && r > 0)) return {}
  const x = snaps.map((s) => s.requests)
  // RSS is not expected to drop once the load stops (the scavenger is lazy), so no release check.
  const trend = evaluateTrend(x, rss, undefined, {
    alpha: options.alpha,
    minGrowth: Math.max(RSS_MIN_GROWTH, RSS_MIN_FRACTION * rss[0]),
  })
  if (trend.verdict !== 'leak') return { trend }

  const first = snaps[0].memstats
  const last = snaps[n - 1].memstats
  const inuse = snaps.map((s) => s.memstats?.heapInuse)
  const inuseGrowth = inuse.every((v): v is number => typeof v === 'number')
    ? evaluateTrend(x, inuse, undefined, { alpha: options.alpha, minGrowth: 0 }).growth
    : -Infinity
  const heapGrowth = Math.max(liveHeap.growth, inuseGrowth)
  if (heapGrowth >= HEAP_SHARE_MAX * trend.growth) return { trend }

  const delta = (f: (m: MemStats) => number | undefined) => {
    const a = first ? f(first) : undefined
    const b = last ? f(last) : undefined
    return a !== undefined && b !== undefined ? b - a : undefined
  }
  const hint = rssGrowthHint({
    rssGrowth: trend.growth,
    stackInuseGrowth: delta((m) => m.stackInuse),
    unreturnedGrowth: delta(unreturned),
    sysGrowth: delta((m) => m.sys),
    heapSysGrowth: delta((m) => m.heapSys),
    goroutineGrowth,
    gomemlimit: side.runtimeEnv.GOMEMLIMIT,
  })
  const details: Record<string, string | number> = {
    rssStart: rss[0],
    rssEnd: rss[n - 1],
    rssPeak: Math.max(...rss, side.settled.rssBytes ?? 0),
    liveHeapGrowth: liveHeap.growth,
    pValue: trend.pValue,
    hintRule: hint.rule,
  }
  if (typeof side.settled.rssBytes === 'number') details.rssSettled = side.settled.rssBytes
  addMemstatDetails(details, first, last, side.runtimeEnv)
  const caller = offHeapCaller(side.cpu, baseCpu, options.modulePath)
  if (caller) addCallerDetails(details, caller)

  return {
    trend,
    finding: {
      kind: 'rss-growth',
      status: 'unknown',
      // Keyed as the process, so base and head match whatever each blames.
      site: caller
        ? { key: RSS_KEY, function: caller.via, ownFrame: caller.own, stack: caller.stack }
        : { key: RSS_KEY, function: '(process RSS)', stack: [] },
      rate: trend.slope,
      unit: 'B/req',
      growth: trend.growth,
      summary: `RSS grew by ${formatBytesInText(trend.growth)} over ${formatCountInText(x[n - 1] - x[0])} requests (${formatBytesInText(rss[0])} -> ${formatBytesInText(rss[n - 1])}) while the live heap grew by ${formatBytesInText(Math.max(0, heapGrowth))}.`,
      hint: hint.hint,
      evidence: { requests: x, values: rss, settled: side.settled.rssBytes, pValue: trend.pValue },
      details,
    },
  }
}

/** Heap memory the runtime holds but has not returned to the OS. */
const unreturned = (m: MemStats) =>
  m.heapIdle !== undefined && m.heapReleased !== undefined ? m.heapIdle - m.heapReleased : undefined

/** The memstats at the first and last snapshot, and the runtime settings, into the finding's details. */
function addMemstatDetails(
  details: Record<string, string | number>,
  first: MemStats | undefined,
  last: MemStats | undefined,
  runtimeEnv: Record<string, string>,
): void {
  for (const field of MEMSTAT_FIELDS) {
    const a = first?.[field]
    const b = last?.[field]
    const name = field[0].toUpperCase() + field.slice(1)
    if (a !== undefined) details[`${name}Start`] = a
    if (b !== undefined) details[`${name}End`] = b
  }
  const u0 = first ? unreturned(first) : undefined
  const u1 = last ? unreturned(last) : undefined
  if (u0 !== undefined) details.heapUnreturnedStart = u0
  if (u1 !== undefined) details.heapUnreturnedEnd = u1
  for (const k of ['GOGC', 'GOMEMLIMIT', 'GODEBUG']) if (runtimeEnv[k]) details[k] = runtimeEnv[k]
}

/** Who maps the memory off the heap, from the CPU profile, into the finding's details. */
function addCallerDetails(
  details: Record<string, string | number>,
  caller: NonNullable<ReturnType<typeof offHeapCaller>>,
): void {
  details.mappingCpuSamples = caller.samples
  details.mappingCpuShare = caller.share
  if (caller.baseShare !== undefined) details.mappingCpuShareOnBase = caller.baseShare
  const onBase = caller.baseShare !== undefined ? ` (base ${formatFraction(caller.baseShare)})` : ''
  details.mappingCalls = `${caller.own.function} maps memory through ${caller.via} and takes ${formatFraction(caller.share)} of the CPU samples${onBase}`
}
