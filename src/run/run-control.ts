// When a run must stop before its end, shared by the action and the CLI so both
// stop the same way: the `timeout` input's deadline, and a cancelled job (the
// runner sends SIGINT, then SIGTERM ~7.5 s later, then kills). Either aborts the
// pipeline's signal; the pipeline stops the service and the load and reports
// what it measured so far.
import { formatDuration } from './input-parsers.js'

/** Why the run stopped early; its message is the one line the run fails with. */
export class RunStoppedError extends Error {
  override name = 'RunStoppedError'
  constructor(
    message: string,
    /** How the report's note opens, e.g. "timeout after 15m". */
    readonly summary: string,
    /** A signal, not the deadline: the runner kills the job seconds later, so publish first. */
    readonly cancelled = false,
  ) {
    super(message)
  }
}

export interface RunControl {
  signal: AbortSignal
  /** A failure after the stop failed because of it: the stop's reason stands for it. */
  explain(error: unknown): unknown
  /** Clears the deadline and the signal handlers; call once the run is over. */
  dispose(): void
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const

export function startRunControl(timeoutMs: number): RunControl {
  const controller = new AbortController()
  const limit = formatDuration(timeoutMs)
  const deadline = setTimeout(
    () =>
      controller.abort(
        new RunStoppedError(`timeout: the run took longer than ${limit}`, `timeout after ${limit}`),
      ),
    timeoutMs,
  )
  // The first signal aborts; a second (SIGTERM after SIGINT) finds it aborted and lets the
  // report already on its way finish. `on`, not `once`: while a listener is registered, the
  // service safety net (service/process.ts) does not re-raise the signal and end us first.
  const onSignal = (signal: NodeJS.Signals): void =>
    controller.abort(new RunStoppedError('interrupted', `interrupted by ${signal}`, true))
  for (const s of SIGNALS) process.on(s, onSignal)
  return {
    signal: controller.signal,
    explain: (error) => (controller.signal.aborted ? controller.signal.reason : error),
    dispose() {
      clearTimeout(deadline)
      for (const s of SIGNALS) process.off(s, onSignal)
    },
  }
}
