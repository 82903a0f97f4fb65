// Turns one side's raw measurement into the decoded SideData the analysis reads.
// Runs only after every service has stopped; a bad profile names its side and snapshot.
import type { DecodedMeasurement, DecodedSnapshot, SideData } from '../model/analysis.js'
import type { RawSnapshot, SideMeasurement, SideOutcome } from '../model/sides.js'
import { decodeProfile } from './decode.js'
import { parseGoroutineDump } from './goroutine-dump.js'
import { parseMemStats } from './memstats.js'
import type { Profile } from '../model/profile.js'

export class SnapshotError extends Error {
  override name = 'SnapshotError'
}

/** The sample types the analysis reads; it treats a missing one as zeros, so its absence must fail here. */
const TYPES = {
  heap: ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'],
  goroutine: ['goroutine'],
  goroutineleak: [],
  cpu: ['samples'],
} as const

export type SnapshotProfileKind = keyof typeof TYPES

/**
 * Checks what decodes but cannot be what Go serves: a profile of another kind
 * (a CPU profile at the heap URL), negative live bytes or counts, values past
 * 2^53 (9 PB; beyond that a double no longer counts bytes exactly). Any of these
 * would silently turn into a wrong verdict.
 */
function checkProfile(p: Profile, kind: string, types: readonly string[]): string | undefined {
  const has = p.sampleTypes.map((t) => t.type)
  const missing = types.filter((t) => !has.includes(t))
  if (missing.length > 0) {
    return `not a ${kind} profile: no ${missing.join(', ')} sample type (has: ${has.join(', ') || 'none'})`
  }
  for (let si = 0; si < p.samples.length; si++) {
    const values = p.samples[si]!.values
    for (let vi = 0; vi < values.length; vi++) {
      const v = values[vi]!
      if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) continue
      const where = `${has[vi]} of sample ${si} (${p.samples[si]!.stack[0]?.func.name ?? 'no stack'})`
      return v < 0
        ? `negative ${where}: ${v}; a ${kind} profile counts what exists, it cannot be negative`
        : `${where} is ${v.toExponential(2)}, beyond any real ${kind} profile (over 2^53)`
    }
  }
  return undefined
}

export interface DecodeSideOptions {
  /** Cap on one profile's gunzipped size (the max-profile-size input); decode's default when absent. */
  maxProfileBytes?: number
}

/** Decodes and checks one profile a snapshot holds; `what` ("head snapshot S3 heap profile") prefixes any error. */
export function decodeSnapshotProfile(
  bytes: Uint8Array,
  what: string,
  kind: SnapshotProfileKind,
  opts: DecodeSideOptions = {},
): Profile {
  let profile: Profile
  try {
    profile = decodeProfile(bytes, { maxDecompressedBytes: opts.maxProfileBytes })
  } catch (error) {
    const text = (error as Error).message
    // Say which knob it is: a genuine profile that large needs the cap raised, a bomb does not.
    const knob = text.startsWith('decompressed size exceeds') ? ' (the max-profile-size input)' : ''
    throw new SnapshotError(`${what}: ${text}${knob}`)
  }
  const problem = checkProfile(profile, kind, TYPES[kind])
  if (problem) throw new SnapshotError(`${what}: ${problem}`)
  return profile
}

/** The runtime's text endpoints, named like the profiles when they cannot be read. */
function parseNamed<T>(parse: (text: string) => T, text: string, what: string): T {
  try {
    return parse(text)
  } catch (error) {
    throw new SnapshotError(`${what}: ${(error as Error).message}`)
  }
}

function decodeSnapshot(side: string, s: RawSnapshot, opts: DecodeSideOptions): DecodedSnapshot {
  const where = `${side} snapshot ${s.label}`
  return {
    label: s.label,
    elapsedMs: s.elapsedMs,
    requests: s.requests,
    errors: s.errors,
    heap: decodeSnapshotProfile(s.heap, `${where} heap profile`, 'heap', opts),
    goroutines: s.goroutine
      ? decodeSnapshotProfile(s.goroutine, `${where} goroutine profile`, 'goroutine', opts)
      : undefined,
    memstats: s.heapText ? parseNamed(parseMemStats, s.heapText, `${where} heap?debug=1 text`) : undefined,
    rssBytes: s.process?.rssBytes,
    openFds: s.process?.openFds,
  }
}

export function decodeSide(m: SideMeasurement, opts: DecodeSideOptions = {}): SideData {
  return {
    side: m.side,
    snapshots: m.snapshots.map((s) => decodeSnapshot(m.side, s, opts)),
    settled: decodeSnapshot(m.side, m.settled, opts),
    load: m.load,
    goroutineDump: m.goroutineDump
      ? parseNamed(parseGoroutineDump, m.goroutineDump, `${m.side} goroutine dump (goroutine?debug=2)`)
      : undefined,
    goroutineLeak: m.goroutineLeak
      ? decodeSnapshotProfile(m.goroutineLeak, `${m.side} goroutineleak profile`, 'goroutineleak', opts)
      : undefined,
    cpu: m.cpuProfile ? decodeSnapshotProfile(m.cpuProfile, `${m.side} CPU profile`, 'cpu', opts) : undefined,
    runtimeEnv: m.runtimeEnv,
    ...(m.finish ? { trendAlpha: m.finish.trendAlpha } : {}),
    ...(m.finish?.reason === 'memory-budget' ? { budgetStop: m.finish.why } : {}),
  }
}

/** A side's outcome with its measurement decoded, for analyse(); problems pass through as they are. */
export function decodeOutcome(
  outcome: SideOutcome,
  opts: DecodeSideOptions = {},
): SideOutcome<DecodedMeasurement> {
  const m = outcome.measurement
  const measurement: DecodedMeasurement | undefined = m && {
    data: decodeSide(m, opts),
    problems: m.problems ?? [],
    loadProblems: m.loadProblems ?? [],
  }
  // Same kind, same record; only the measurement changes form (a `measured` one always has one).
  return { ...outcome, measurement } as SideOutcome<DecodedMeasurement>
}
