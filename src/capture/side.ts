// One side's measurement as an outcome: measured, crashed or stopped, each with
// what can still be analysed. The schedule throws a crash or a stop (it races
// them at every step); here they become data, so the caller branches on `kind`.
import type { CutShort, SideMeasurement, SideOutcome } from '../model/sides.js'
import { NO_LOAD } from '../model/sides.js'
import { MeasurementStoppedError, ServiceCrashedError } from './cut-short.js'
import { captureSide, type MeasureOptions } from './schedule.js'

/**
 * Measures one side. A crash under load or a stop (the deadline, a cancelled job)
 * is an outcome, with the snapshots taken before; anything else (the service never
 * started, pprof is missing) is thrown.
 */
export async function measureSide(opts: MeasureOptions, log: (line: string) => void): Promise<SideOutcome> {
  try {
    return { kind: 'measured', side: opts.side, measurement: await captureSide(opts, log) }
  } catch (error) {
    if (error instanceof ServiceCrashedError) {
      return { kind: 'crashed', side: opts.side, crash: error, ...withMeasurement(error) }
    }
    if (error instanceof MeasurementStoppedError) {
      return { kind: 'stopped', side: opts.side, stop: error, ...withMeasurement(error) }
    }
    throw error
  }
}

function withMeasurement(cut: CutShort): { measurement?: SideMeasurement } {
  const measurement = partialMeasurement(cut)
  return measurement ? { measurement } : {}
}

/**
 * The snapshots a side cut short took, as a measurement; undefined when it took none.
 * Even one or two are kept: the analysis copes with so few (it says they show no
 * trend), and analysing them keeps the other side's measurement in the report.
 */
export function partialMeasurement(cut: CutShort): SideMeasurement | undefined {
  if (cut.snapshots.length === 0) return undefined
  const crashed = cut instanceof ServiceCrashedError
  // A stopped side's snapshots are all sound: every one counts as a point of the load (two give a
  // window of allocation per request). A crashed side's last one stands in for the settled one.
  const snapshots = crashed ? cut.snapshots.slice(0, -1) : cut.snapshots
  return {
    side: cut.side,
    snapshots,
    // No settled snapshot: the last one stands in, so "released after GC?" reads as "not released".
    settled: cut.snapshots[cut.snapshots.length - 1]!,
    load: cut.load ?? NO_LOAD,
    logPath: cut.logPath,
    runtimeEnv: {},
    // A stopped run says so once for every side (stoppedNote), not per side.
    ...(crashed
      ? {
          problems: [
            `the service crashed ${cut.snapshots.length} snapshots into the run; figures cover the time before`,
          ],
        }
      : {}),
  }
}
