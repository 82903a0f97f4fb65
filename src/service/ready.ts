// The service's own listener, waited for besides pprof: a service whose pprof
// runs on a second port, or starts before its router, is not ready when pprof
// answers. Any HTTP answer counts (401, 404, 405: something is listening and
// speaks HTTP); only refused or silent connections mean "not yet".
import { httpGet } from './http.js'

const POLL_INTERVAL_MS = 100
const ATTEMPT_TIMEOUT_MS = 1000

export interface ListenWait {
  url: string
  /** Date.now() by which it must answer. */
  deadline: number
  /** Resolves when the service exits: waiting stops at once. */
  exited: Promise<unknown>
  signal?: AbortSignal
  /** Throws the caller's error: why it never answered (the last attempt's problem). */
  fail(lastProblem: string): never
  /** Throws the caller's error for a service that exited while waited for. */
  failExited(): Promise<never>
}

export async function waitListening(wait: ListenWait): Promise<void> {
  let lastProblem = 'no attempt finished'
  const exited = wait.exited.then(() => 'exited' as const)
  for (;;) {
    wait.signal?.throwIfAborted()
    const remaining = wait.deadline - Date.now()
    const attempt = httpGet(wait.url, {
      timeoutMs: Math.max(50, Math.min(ATTEMPT_TIMEOUT_MS, remaining)),
      maxBytes: 64 * 1024,
      signal: wait.signal,
    }).then(
      () => 'answered' as const,
      (error: unknown) => {
        const e = error as NodeJS.ErrnoException
        lastProblem = e.code ?? e.message
        return 'failed' as const
      },
    )
    const outcome = await Promise.race([attempt, exited])
    if (outcome === 'exited') return wait.failExited()
    if (outcome === 'answered') return
    wait.signal?.throwIfAborted()
    if (Date.now() >= wait.deadline) wait.fail(lastProblem)
    const pause = new Promise((r) =>
      setTimeout(r, Math.min(POLL_INTERVAL_MS, Math.max(0, wait.deadline - Date.now()))),
    )
    if ((await Promise.race([pause.then(() => 'slept' as const), exited])) === 'exited')
      return wait.failExited()
  }
}
