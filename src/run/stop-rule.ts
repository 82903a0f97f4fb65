// Sequential stopping wired to a side's raw snapshots: after each one, the heap's
// totals from its text form and the service's RSS go to decideStop (analysis/),
// whose answer capture follows. Reading the text costs the service next to
// nothing; the protobuf is decoded only after both sides are measured.
import { decideStop, stopWindows, type StopSnapshot, type StoppingOptions } from '../analysis/stopping.js'
import { finalAlpha, snapshotDueMs } from '../analysis/spending.js'
import type { RawSnapshot, SideName, StopCall } from '../model/sides.js'
import { readHeapText } from '../profile/heap-text.js'

/** What decideStop reads of each snapshot; undefined when one has no heap text to read. */
export function stopSnapshots(raw: readonly RawSnapshot[]): StopSnapshot[] | undefined {
  const out: StopSnapshot[] = []
  for (const s of raw) {
    const heap = readHeapText(s.heapText)
    if (!heap) return undefined
    out.push({
      elapsedMs: s.elapsedMs,
      requests: s.requests,
      liveHeapBytes: heap.inuseBytes,
      allocBytes: heap.allocBytes,
      sites: heap.sites,
      ...(s.process ? { rssBytes: s.process.rssBytes } : {}),
    })
  }
  return out
}

/** Base's allocation windows, for head's rule to plan its comparison against; undefined when unreadable. */
export function comparisonWindows(raw: readonly RawSnapshot[]): number[] | undefined {
  const snaps = stopSnapshots(raw)
  return snaps ? stopWindows(snaps) : undefined
}

/**
 * The rule for one side. Once a snapshot has no heap?debug=1 to read (a pprof handler that
 * serves only the protobuf, a failed scrape), nothing more is looked at: the side runs the
 * schedule to `duration`, and its trends keep what the looks before left of alpha.
 */
export function stopRuleFor(
  side: SideName,
  options: StoppingOptions,
  baseWindows?: readonly number[],
): (raw: readonly RawSnapshot[]) => StopCall {
  const D = options.maxDurationMs
  /** Information time of the last look that tested the heap (0: none yet). */
  let lastLook = 0
  let blind = false
  return (raw) => {
    const snapshots = blind ? undefined : stopSnapshots(raw)
    if (!snapshots) {
      blind = true
      const elapsed = (raw.at(-1)?.elapsedMs ?? 0) - (raw[0]?.elapsedMs ?? 0)
      const due = snapshotDueMs(raw.length, D)
      const why = 'no heap?debug=1 to decide on'
      if (elapsed >= D || !Number.isFinite(due)) {
        const trendAlpha = finalAlpha(lastLook, options.alpha)
        return { action: 'stop', reason: 'max-duration', why: `${why}, measured to the end`, trendAlpha }
      }
      return { action: 'continue', nextDueMs: due, why }
    }
    const d = decideStop({ side, snapshots, options, ...(baseWindows ? { baseWindows } : {}) })
    if (d.lookAlpha > 0) lastLook = (snapshots.at(-1)!.elapsedMs - snapshots[0]!.elapsedMs) / D
    return d.action === 'stop'
      ? { action: 'stop', reason: d.reason, why: d.why, trendAlpha: d.trendAlpha }
      : { action: 'continue', nextDueMs: d.nextDueMs, why: d.why }
  }
}
