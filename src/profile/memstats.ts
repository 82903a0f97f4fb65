import { ProfileError } from './profile-error.js'
import type { MemStats } from '../model/profile.js'

/** Footer names that map onto a MemStats field. */
const FIELDS: Record<string, keyof Omit<MemStats, 'raw'>> = {
  Alloc: 'alloc',
  TotalAlloc: 'totalAlloc',
  Sys: 'sys',
  Mallocs: 'mallocs',
  Frees: 'frees',
  HeapAlloc: 'heapAlloc',
  HeapSys: 'heapSys',
  HeapIdle: 'heapIdle',
  HeapInuse: 'heapInuse',
  HeapReleased: 'heapReleased',
  HeapObjects: 'heapObjects',
  StackInuse: 'stackInuse',
  StackSys: 'stackSys',
  MSpanInuse: 'mSpanInuse',
  MSpanSys: 'mSpanSys',
  MCacheInuse: 'mCacheInuse',
  MCacheSys: 'mCacheSys',
  BuckHashSys: 'buckHashSys',
  GCSys: 'gcSys',
  OtherSys: 'otherSys',
  NextGC: 'nextGC',
  LastGC: 'lastGC',
  NumGC: 'numGC',
  NumForcedGC: 'numForcedGC',
  GCCPUFraction: 'gcCPUFraction',
  MaxRSS: 'maxRSS',
}

/** "# Stack = inuse / sys": runtime/pprof prints these three as pairs. */
const PAIRS: Record<string, [string, string]> = {
  Stack: ['StackInuse', 'StackSys'],
  MSpan: ['MSpanInuse', 'MSpanSys'],
  MCache: ['MCacheInuse', 'MCacheSys'],
}

const LINE = /^# (\w+) = (.*)$/
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/

/**
 * Reads the runtime.MemStats footer of /debug/pprof/heap?debug=1
 * ("# HeapInuse = 1234"). Arrays (PauseNs, PauseEnd) and booleans (DebugGC)
 * are skipped; "# Stack = a / b" gives StackInuse and StackSys.
 */
export function parseMemStats(heapDebug1Text: string): MemStats {
  const raw: Record<string, number> = {}
  for (const line of heapDebug1Text.split('\n')) {
    if (line.charCodeAt(0) !== 35 /* # */) continue
    const m = LINE.exec(line.trimEnd())
    if (!m) continue
    const [, name, value] = m as unknown as [string, string, string]
    const pair = PAIRS[name]
    if (pair) {
      const parts = value.split(' / ')
      if (parts.length === 2 && NUMBER.test(parts[0]!) && NUMBER.test(parts[1]!)) {
        raw[pair[0]] = Number(parts[0])
        raw[pair[1]] = Number(parts[1])
      }
      continue
    }
    if (NUMBER.test(value)) raw[name] = Number(value)
  }
  if (Object.keys(raw).length === 0) {
    const start = heapDebug1Text.slice(0, 40)
    throw new ProfileError(
      `no runtime.MemStats footer ("# Name = value" lines) in heap?debug=1 text (starts with ${JSON.stringify(start)})`,
    )
  }
  const stats: MemStats = { raw }
  for (const [name, field] of Object.entries(FIELDS)) {
    const v = raw[name]
    if (v !== undefined) stats[field] = v
  }
  return stats
}
