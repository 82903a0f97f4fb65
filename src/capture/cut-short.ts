// A side whose measurement ended early, thrown inside the schedule (it races the
// service's exit and the stop signal at every step) and caught by measureSide,
// which returns it as a `crashed` or `stopped` outcome.
import type { Crash, CutShort, LoadStats, RawSnapshot, SideName, Stop } from '../model/sides.js'
import type { ExitStatus } from '../service/process.js'

/** A side whose measurement ended early; the snapshots it took before are kept. */
export abstract class SideCutShortError extends Error implements CutShort {
  constructor(
    message: string,
    readonly side: SideName,
    readonly logPath: string,
    readonly snapshots: RawSnapshot[],
    /** Milliseconds since the measured load started (negative: during warmup). */
    readonly elapsedMs: number,
    readonly load?: LoadStats,
  ) {
    super(message)
  }
}

/** The service died (or exited) during the measurement; the snapshots before that are kept. */
export class ServiceCrashedError extends SideCutShortError implements Crash {
  override name = 'ServiceCrashedError'
  constructor(
    message: string,
    side: SideName,
    readonly exit: ExitStatus,
    readonly logTail: string,
    logPath: string,
    snapshots: RawSnapshot[],
    elapsedMs: number,
    load?: LoadStats,
  ) {
    super(message, side, logPath, snapshots, elapsedMs, load)
  }
}

/** The run was stopped (deadline, cancelled job) while this side was measured; the message is the stop's. */
export class MeasurementStoppedError extends SideCutShortError implements Stop {
  override name = 'MeasurementStoppedError'
  constructor(
    message: string,
    side: SideName,
    logPath: string,
    snapshots: RawSnapshot[],
    elapsedMs: number,
    /** The measured load this side was to run, for "measured for 8 s of 20 s". */
    readonly durationMs: number,
    load?: LoadStats,
  ) {
    super(message, side, logPath, snapshots, elapsedMs, load)
  }
}
