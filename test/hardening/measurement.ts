// A side's measurement made of the real profiles in test/fixtures/profiles,
// with one slot replaced: what the pipeline would decode after a service
// served something broken at one snapshot.
import { readFileSync } from 'node:fs'
import type { LoadStats, RawSnapshot, SideMeasurement, SideName } from '../../src/model/sides.js'

export const PROFILES = new URL('../fixtures/profiles/', import.meta.url)
export const BROKEN = new URL('../fixtures/broken/', import.meta.url)

export const realProfile = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, PROFILES)))
export const brokenProfile = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, BROKEN)))

const LOAD: LoadStats = {
  requests: 5000,
  errors: 0,
  durationMs: 4000,
  requestsPerSecond: 1250,
  latencyMs: { p50: 1, p90: 2, p99: 3, max: 4 },
  statusCounts: { '200': 5000 },
  errorSamples: [],
}

const MEMSTATS = '# runtime.MemStats\n# HeapAlloc = 1048576\n# HeapInuse = 2097152\n# HeapReleased = 0\n'

export interface Replace {
  /** S0..S4 or Sf. */
  label: string
  slot: 'heap' | 'goroutine' | 'heapText'
  bytes: Uint8Array | string
}

/** S0..S4 and Sf from heap-base/heap-head/heap profiles and the goroutine profile. */
export function measurement(side: SideName, replace?: Replace): SideMeasurement {
  const heaps = ['heap-base.pb.gz', 'heap-base.pb.gz', 'heap.pb.gz', 'heap-head.pb.gz', 'heap-head.pb.gz']
  const snap = (label: string, i: number, heap: string): RawSnapshot => {
    const s: RawSnapshot = {
      label,
      elapsedMs: i * 1000,
      requests: i * 1000,
      errors: 0,
      heap: realProfile(heap),
      goroutine: realProfile('goroutine.pb.gz'),
      heapText: MEMSTATS,
      process: { rssBytes: 20e6 + i, openFds: 12 },
    }
    if (replace?.label === label) {
      if (replace.slot === 'heapText') s.heapText = String(replace.bytes)
      else s[replace.slot] = replace.bytes as Uint8Array
    }
    return s
  }
  const snapshots = heaps.map((h, i) => snap(`S${i}`, i, h))
  return {
    side,
    snapshots,
    settled: snap('Sf', 5, 'heap-head.pb.gz'),
    load: LOAD,
    logPath: '/dev/null',
    runtimeEnv: {},
  }
}
