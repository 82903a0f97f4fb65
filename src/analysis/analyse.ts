// The analysis stage's entry: both sides' outcomes (measured, crashed, stopped)
// in, the finished result out. The comparison of the sides' data (compare.ts)
// gives findings and allocation changes; here a crash becomes a finding, a load
// that went wrong or a run cut short withholds verdicts, and the notes are set,
// so nothing after this point changes the verdict.
import type { Analysis, AnalysisOptions, DecodedMeasurement, SideData } from '../model/analysis.js'
import { oneLine } from '../model/errors.js'
import type { Crash, SideName, SideOutcome, Stop } from '../model/sides.js'
import { compareSides } from './compare.js'
import { crashFinding } from './crash.js'
import { crashOnlyAnalysis, selfCheckNote, stoppedNote, stoppedOnlyAnalysis } from './incomplete.js'
import { verdictOf } from './status.js'

export type DecodedOutcome = SideOutcome<DecodedMeasurement>

export interface RunOutcomes {
  /** The sides the run set out to measure, in order; a side it never reached has no outcome. */
  sides: readonly SideName[]
  base?: DecodedOutcome
  head?: DecodedOutcome
  /** Head measured a second time as its own base (A/A): what differs is noise. */
  selfCheck?: SideData
  /** The run was stopped (deadline, cancelled job): the stop in one line, e.g. "timeout after 15m". */
  stopped?: string
  /** Said once when the PR's code ran without isolation. */
  sandboxNote?: string
  /** Where the load came from, when a requests file gave it. */
  requestsNote?: string
}

function crashOf(outcome: DecodedOutcome | undefined): Crash | undefined {
  return outcome?.kind === 'crashed' ? outcome.crash : undefined
}

function stopOf(outcome: DecodedOutcome | undefined): Stop | undefined {
  return outcome?.kind === 'stopped' ? outcome.stop : undefined
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

/** The finished, frozen analysis of a run. */
export function analyse(run: RunOutcomes, options: AnalysisOptions): Analysis {
  const head = run.head?.measurement?.data
  const base = run.base?.measurement?.data
  const headCrash = crashOf(run.head)
  const baseCrash = crashOf(run.base)
  const baseAlone = (): Analysis['head'] | undefined => base && compareSides(base, undefined, options).head
  const compared: Analysis = head
    ? compareSides(head, base, options)
    : headCrash
      ? crashOnlyAnalysis(headCrash, baseAlone())
      : stoppedOnlyAnalysis(stopOf(run.head), baseAlone())

  const findings = [...compared.findings]
  const notes = [...compared.notes]
  const untrustworthy: string[] = []
  let regression = compared.verdict.regression
  if (run.sandboxNote) notes.push(run.sandboxNote)
  for (const side of run.sides) {
    const measurement = run[side]?.measurement
    for (const problem of measurement?.problems ?? []) notes.push(`${side}: ${problem}`)
    // Errors take other code paths than successes: such a measurement cannot vouch for the code.
    for (const problem of measurement?.loadProblems ?? []) untrustworthy.push(`${side}: ${problem.text}`)
  }
  if (untrustworthy.length > 0 && regression) {
    // Allocation measured on error paths is not the code's allocation: no regression verdict from it.
    regression = false
    notes.push(
      'No regression verdict: requests failed under load, so the allocation figures come from error paths.',
    )
  }
  if (baseCrash) {
    notes.push(
      `base: ${oneLine(baseCrash.message.split('\n')[0])}; head is judged on its own where base has no data.`,
    )
  }
  if (headCrash) findings.unshift(crashFinding(headCrash, options.modulePath, !!baseCrash))
  if (run.stopped !== undefined) {
    const cutShort = { base: stopOf(run.base), head: stopOf(run.head) }
    const measured = { base: run.base?.measurement, head: run.head?.measurement }
    const note = stoppedNote(run.stopped, run.sides, cutShort, measured)
    notes.unshift(note)
    // Never a clean verdict from a run cut short: what was not measured may hold the leak.
    // (Stopped during the self-check only, every side was measured whole.)
    if (run.sides.some((side) => cutShort[side] || !measured[side])) untrustworthy.unshift(note)
    if (regression) {
      regression = false
      notes.push('No regression verdict: the allocation figures cover only part of the run.')
    }
  }
  if (run.requestsNote) notes.push(run.requestsNote)
  if (run.selfCheck && head) notes.push(selfCheckNote(compareSides(run.selfCheck, head, options)))

  // A head that crashed before its first snapshot is a new leak whatever base did (crashOnlyAnalysis).
  const fromFindings = verdictOf(findings, regression)
  return deepFreeze({
    ...compared,
    verdict: {
      leak: compared.verdict.leak || fromFindings.leak,
      newLeak: compared.verdict.newLeak || fromFindings.newLeak,
      regression,
    },
    findings,
    notes,
    ...(untrustworthy.length > 0 ? { untrustworthy } : {}),
  })
}
