// Runs fuzz cases in a child process so that the test can stop a case that
// hangs (a synchronous loop cannot be interrupted from its own thread).
// Before each case it tells the test the case number; the test kills the
// process when that number stops moving.
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { compareSides } from '../../src/analysis/compare.js'
import type { AnalysisOptions, SideData } from '../../src/model/analysis.js'
import { decodeSide, decodeSnapshotProfile, SnapshotError } from '../../src/profile/decode-side.js'
import { aggregateByFunction } from '../../src/profile/aggregate.js'
import { decodeProfile } from '../../src/profile/decode.js'
import { diffProfiles } from '../../src/profile/diff.js'
import { ProfileError } from '../../src/profile/profile-error.js'
import { formatTop } from '../../src/profile/top-format.js'
import type { Profile } from '../../src/model/profile.js'
import { measurement, PROFILES } from './measurement.js'
import { fuzzCase } from './mutate.js'

export interface FuzzJob {
  seed: number
  /** Cases from, from + stride, ... below to. */
  from: number
  to: number
  stride: number
  /** Stop starting cases after this many ms (the test's time box). */
  budgetMs: number
}

/** What the process sends: the case it starts, then the result. */
export type FuzzMessage = { at: number } | { result: FuzzResult }

export interface Unexpected {
  index: number
  description: string
  stage: string
  error: string
}

export interface FuzzResult {
  cases: number
  rejected: number
  decoded: number
  analysed: number
  slowestMs: number
  slowest: number
  unexpected: Unexpected[]
}

const job = JSON.parse(process.argv[2]!) as FuzzJob
// Run by hand (no IPC channel) it prints the result: node --import tsx fuzz-worker.ts '{"seed":...}'
const send = (m: FuzzMessage): void => {
  if (process.send) process.send(m)
  else if ('result' in m) console.log(JSON.stringify(m.result, null, 2))
}

const NAMES = ['heap.pb.gz', 'heap-base.pb.gz', 'heap-head.pb.gz', 'goroutine.pb.gz', 'cpu.pb.gz']
const profiles = NAMES.map((name) => {
  const gz = new Uint8Array(readFileSync(new URL(name, PROFILES)))
  return { name, gz, raw: new Uint8Array(gunzipSync(gz)) }
})
const good = decodeProfile(profiles[0]!.gz)
const goodHead = decodeSide(measurement('head'))
const goodBase = decodeSide(measurement('base'))
const options: AnalysisOptions = {
  modulePath: 'memleak-action/profilegen',
  regressionThreshold: 0.1,
  alpha: 0.05,
  memProfileRate: 1,
}
// The cap is lowered so that a mutation that makes a big profile cannot take seconds to gunzip.
const MAX_BYTES = 16 * 1024 * 1024
const ANALYSE_EVERY = 4

/** What a mutated profile goes through once decoded: pprof's tables, a diff, and its text. */
function aggregate(p: Profile): void {
  for (const t of p.sampleTypes) {
    const table = aggregateByFunction(p, t.type, { inlineMarks: true })
    formatTop(table.rows, table.sampleType.unit, {
      total: table.total,
      inlineMarks: table.inlineMarks,
      limit: 20,
    })
    if (good.sampleTypes.some((g) => g.type === t.type && g.unit === t.unit)) {
      const diff = diffProfiles(good, p, t.type, { inlineMarks: true })
      formatTop(diff.rows, diff.sampleType.unit, { total: diff.total, inlineMarks: diff.inlineMarks })
    }
  }
}

/**
 * The pipeline's path: the checked decode of head's S2 (as its heap profile,
 * else as its goroutine profile), then, for every `ANALYSE_EVERY`th profile
 * that passes, the whole analysis (alternately with and without base): it
 * costs ten times the rest of a case.
 */
function pipeline(bytes: Uint8Array, passed: number): 'rejected' | 'checked' | 'analysed' {
  let snapshots: SideData['snapshots']
  try {
    const heap = decodeSnapshotProfile(bytes, 'head snapshot S2 heap profile', 'heap')
    snapshots = goodHead.snapshots.map((s, i) => (i === 2 ? { ...s, heap } : s))
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error
    try {
      const goroutines = decodeSnapshotProfile(bytes, 'head snapshot S2 goroutine profile', 'goroutine')
      snapshots = goodHead.snapshots.map((s, i) => (i === 2 ? { ...s, goroutines } : s))
    } catch (inner) {
      if (inner instanceof SnapshotError) return 'rejected'
      throw inner
    }
  }
  if (passed % ANALYSE_EVERY !== 0) return 'checked'
  const withBase = (passed / ANALYSE_EVERY) % 2 === 0
  compareSides({ ...goodHead, snapshots }, withBase ? goodBase : undefined, options)
  return 'analysed'
}

const result: FuzzResult = {
  cases: 0,
  rejected: 0,
  decoded: 0,
  analysed: 0,
  slowestMs: 0,
  slowest: -1,
  unexpected: [],
}
const started = performance.now()
let passed = 0
for (
  let index = job.from;
  index < job.to && performance.now() - started < job.budgetMs;
  index += job.stride
) {
  send({ at: index })
  const t = performance.now()
  const c = fuzzCase(job.seed, index, profiles)
  let stage = 'decode'
  try {
    let p: Profile | undefined
    try {
      p = decodeProfile(c.bytes, { maxDecompressedBytes: MAX_BYTES })
    } catch (error) {
      if (!(error instanceof ProfileError)) throw error
      if (/\n/.test(error.message) || error.message.length === 0)
        throw new Error(`bad message: ${error.message}`)
      result.rejected++
    }
    if (p) {
      result.decoded++
      stage = 'aggregate'
      try {
        aggregate(p)
      } catch (error) {
        // A sample type that is missing or of another unit is the one documented refusal.
        if (!(error instanceof ProfileError)) throw error
      }
      stage = 'pipeline'
      const outcome = pipeline(c.bytes, passed)
      if (outcome !== 'rejected') passed++
      if (outcome === 'analysed') result.analysed++
    }
  } catch (error) {
    if (result.unexpected.length < 20) {
      result.unexpected.push({
        index,
        description: c.description,
        stage,
        error: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack}` : String(error),
      })
    }
  }
  const ms = performance.now() - t
  if (ms > result.slowestMs) {
    result.slowestMs = ms
    result.slowest = index
  }
  result.cases++
}
send({ result })
if (process.connected) process.disconnect()
