// The service's process group: stopped with a grace before SIGKILL, and killed
// with our own process if we end first (a cancelled job), so no process of it
// outlives the run.
import { formatSeconds } from './http.js'
import type { Scope } from '../sandbox/sandbox.js'

const STOP_GRACE_MS = 3000
const KILL_WAIT_MS = 10_000

/**
 * Stops the group: SIGTERM (or the sandbox scope's terminate), SIGKILL after a
 * grace, then whatever is left of the group and the scope.
 */
export async function stopGroup(
  pid: number,
  exited: Promise<unknown>,
  hasExited: () => boolean,
  scope?: Scope,
): Promise<void> {
  try {
    if (!hasExited()) {
      if (scope) await scope.terminate()
      else signalGroup(pid, 'SIGTERM')
      if (!(await within(exited, STOP_GRACE_MS))) {
        if (scope) await scope.killAll()
        signalGroup(pid, 'SIGKILL')
        if (!(await within(exited, KILL_WAIT_MS))) {
          throw new Error(`service (pid ${pid}) did not exit ${formatSeconds(KILL_WAIT_MS)} after SIGKILL`)
        }
      }
    }
    // Children the service started share its group and may outlive it; in a sandbox
    // scope, also those that left the group (setsid): the whole cgroup is killed.
    signalGroup(pid, 'SIGKILL')
    if (scope) await scope.killAll()
  } finally {
    if (hasExited()) unregisterGroup(pid)
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch (err) {
    // EPERM: a group of another user (the sandbox's, started through sudo); its scope kills it.
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ESRCH' && code !== 'EPERM') throw err
  }
}

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([p.then(() => true as const), timeout])
  } finally {
    clearTimeout(timer)
  }
}

// Safety net: process groups still running when our process ends are killed.
// 'exit' covers normal ends and process.exit(); the signal handlers cover a
// cancelled job (SIGINT/SIGTERM), after which the signal is re-raised so that
// our process still ends the way it would have without us.
const liveGroups = new Set<number>()
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

function killAllSync(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  liveGroups.clear()
}

function onSignal(signal: NodeJS.Signals): void {
  killAllSync()
  removeHandlers()
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function removeHandlers(): void {
  process.removeListener('exit', killAllSync)
  for (const s of SIGNALS) process.removeListener(s, onSignal)
}

export function registerGroup(pgid: number): void {
  if (liveGroups.size === 0) {
    process.on('exit', killAllSync)
    for (const s of SIGNALS) process.on(s, onSignal)
  }
  liveGroups.add(pgid)
}

export function unregisterGroup(pgid: number): void {
  if (!liveGroups.delete(pgid)) return
  if (liveGroups.size === 0) removeHandlers()
}
