// Turns one side's raw measurement into the decoded SideData the analysis reads.
// Runs only after every service has stopped; a bad profile names its side and snapshot.
import type { DecodedSnapshot, SideData } from './analysis/types.js'
import type { RawSnapshot, SideMeasurement } from './capture/types.js'
import { decodeProfile } from './profile/decode.js'
import { parseGoroutineDump } from './profile/goroutine-dump.js'
import { parseMemStats } from './profile/memstats.js'
import type { Profile } from './profile/types.js'

export class SnapshotError extends Error {
  override name = 'SnapshotError'
}

function decodeNamed(bytes: Uint8Array, what: string): Profile {
  try {
    return decodeProfile(bytes)
  } catch (error) {
    throw new SnapshotError(`${what}: ${(error as Error).message}`)
  }
}

function decodeSnapshot(side: string, s: RawSnapshot): DecodedSnapshot {
  const where = `${side} snapshot ${s.label}`
  return {
    label: s.label,
    elapsedMs: s.elapsedMs,
    requests: s.requests,
    errors: s.errors,
    heap: decodeNamed(s.heap, `${where} heap profile`),
    goroutines: s.goroutine ? decodeNamed(s.goroutine, `${where} goroutine profile`) : undefined,
    memstats: s.heapText ? parseMemStats(s.heapText) : undefined,
    rssBytes: s.process?.rssBytes,
    openFds: s.process?.openFds,
  }
}

export function decodeSide(m: SideMeasurement): SideData {
  return {
    side: m.side,
    snapshots: m.snapshots.map((s) => decodeSnapshot(m.side, s)),
    settled: decodeSnapshot(m.side, m.settled),
    load: m.load,
    goroutineDump: m.goroutineDump ? parseGoroutineDump(m.goroutineDump) : undefined,
    goroutineLeak: m.goroutineLeak
      ? decodeNamed(m.goroutineLeak, `${m.side} goroutineleak profile`)
      : undefined,
    runtimeEnv: m.runtimeEnv,
  }
}
