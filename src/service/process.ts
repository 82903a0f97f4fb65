// Lifecycle of the service under test: spawn it in its own process group with its
// output in a log, wait until it answers, and make sure that whatever happens
// (stop, readiness failure, our own death) no process of that group survives.
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import { assertPortFree } from './port.js'
import { formatSeconds, httpGet } from './http.js'
import { waitListening } from './ready.js'
import type { Scope, SpawnSpec } from '../sandbox/sandbox.js'
import { registerGroup, stopGroup } from './process-group.js'

export interface StartServiceOptions {
  binary: string
  args: string[]
  cwd: string
  /** The service's whole environment (see serviceEnvironment). */
  env: Record<string, string>
  /** Combined stdout and stderr go here (truncated first). */
  logPath: string
  port: number
  /** Polled with GET until it answers 2xx. */
  readyUrl: string
  /** Then polled until it gives any HTTP answer: the service's own listener (e.g. its first route). */
  listenUrl?: string
  readyTimeoutMs: number
  /**
   * Stop waiting when the ready URL has answered 404 for this long (default 5 s):
   * the service is up and the URL is wrong, more waiting will not change that.
   */
  notFoundGraceMs?: number
  /** Aborting stops the service (and startService rejects if it is still waiting). */
  signal?: AbortSignal
  /** Runs the service in this sandbox scope: as the sandbox user, stopped by killing the whole scope. */
  scope?: Scope
}

export interface ExitStatus {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ServiceHandle {
  pid: number
  logPath: string
  /** Sends SIGTERM to the group, SIGKILL after a grace period; resolves once the process is gone. */
  stop(): Promise<void>
  /** Resolves when the service process exits, for whatever reason. */
  exited: Promise<ExitStatus>
  /** The exit status once it has exited, else undefined. */
  exitStatus(): ExitStatus | undefined
  /** The last `lines` lines of the log. */
  logTail(lines?: number): string
}

/** The service could not be started or never became ready; it has been stopped. */
export class ServiceStartError extends Error {
  override name = 'ServiceStartError'
  constructor(
    message: string,
    readonly logTail: string,
    readonly exit?: ExitStatus,
    /** What the last readiness attempt got: "HTTP 404", "ECONNREFUSED", ... */
    readonly lastAttempt?: string,
  ) {
    super(message)
  }
}

const POLL_INTERVAL_MS = 100
const ATTEMPT_TIMEOUT_MS = 1000
const NOT_FOUND_GRACE_MS = 5000

export async function startService(options: StartServiceOptions): Promise<ServiceHandle> {
  options.signal?.throwIfAborted()
  await assertPortFree(options.port)

  const scope = options.scope
  const spec: SpawnSpec = scope
    ? scope.wrap(options.binary, options.args, options.env)
    : { command: options.binary, args: options.args, env: options.env }
  // Opened by us: the sandbox user writes the log through this descriptor, not by its path.
  const logFd = fs.openSync(options.logPath, 'w')
  let child
  try {
    child = spawn(spec.command, spec.args, {
      cwd: options.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      // Root on macOS: node itself switches to the sandbox user.
      ...(spec.uid !== undefined && spec.gid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}),
    })
  } finally {
    fs.closeSync(logFd)
  }
  const logTail = (lines = 30): string => readLogTail(options.logPath, lines)

  if (child.pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve))
    throw new ServiceStartError(`could not start the service ${options.binary}: ${err.message}`, logTail())
  }
  const pid = child.pid
  registerGroup(pid)

  let exitStatus: ExitStatus | undefined
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      exitStatus = { code, signal }
      resolve(exitStatus)
    })
  })
  // After a successful spawn 'error' only reports a failed kill(); stop() handles that.
  child.on('error', () => {})

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopping ??= stopGroup(pid, exited, () => exitStatus !== undefined, scope))
  const onAbort = (): void => void stop()
  options.signal?.addEventListener('abort', onAbort, { once: true })
  void exited.then(() => {
    options.signal?.removeEventListener('abort', onAbort)
    // The leader is gone; sweep anything it left in its group.
    void stop()
  })

  const handle: ServiceHandle = {
    pid,
    logPath: options.logPath,
    stop,
    exited,
    exitStatus: () => exitStatus,
    logTail,
  }
  try {
    await waitReady(options, handle)
  } catch (err) {
    await stop()
    throw err
  }
  // Under sudo the process we spawned is sudo; the service is the process it started.
  if (scope) handle.pid = scope.mainPid(pid)
  return handle
}

async function waitReady(options: StartServiceOptions, handle: ServiceHandle): Promise<void> {
  const started = Date.now()
  const deadline = started + options.readyTimeoutMs
  let lastProblem = 'no attempt finished'
  let notFoundSince: number | undefined
  const notFoundGraceMs = options.notFoundGraceMs ?? NOT_FOUND_GRACE_MS
  const exitedEarly = handle.exited.then((exit) => ({ exit }))
  for (;;) {
    options.signal?.throwIfAborted()
    const remaining = deadline - Date.now()
    const attempt = httpGet(options.readyUrl, {
      timeoutMs: Math.max(50, Math.min(ATTEMPT_TIMEOUT_MS, remaining)),
      maxBytes: 64 * 1024,
      signal: options.signal,
    }).then(
      (res) => ({ res }),
      (error: unknown) => ({ error }),
    )
    const outcome = await Promise.race([attempt, exitedEarly])
    if ('exit' in outcome) {
      throw new ServiceStartError(
        `service ${describeExit(outcome.exit)} before it was ready; last log lines:\n${handle.logTail()}`,
        handle.logTail(),
        outcome.exit,
      )
    }
    if ('res' in outcome) {
      if (outcome.res.status >= 200 && outcome.res.status < 300) {
        if (options.listenUrl) await waitForListener(options, handle, deadline)
        return
      }
      lastProblem = `HTTP ${outcome.res.status}`
      if (outcome.res.status !== 404) notFoundSince = undefined
      else if ((notFoundSince ??= Date.now()) + notFoundGraceMs <= Date.now()) {
        throw new ServiceStartError(
          `service answers 404 at ${options.readyUrl} (for ${formatSeconds(Date.now() - notFoundSince)}): ` +
            `is the ready-url right? Last log lines:\n${handle.logTail()}`,
          handle.logTail(),
          undefined,
          lastProblem,
        )
      }
    } else {
      notFoundSince = undefined
      options.signal?.throwIfAborted()
      const e = outcome.error as NodeJS.ErrnoException
      lastProblem = e.code ?? e.message
    }
    if (Date.now() >= deadline) {
      throw new ServiceStartError(
        `service did not answer 2xx at ${options.readyUrl} within ${formatSeconds(options.readyTimeoutMs)} ` +
          `(last attempt: ${lastProblem}); last log lines:\n${handle.logTail()}`,
        handle.logTail(),
        undefined,
        lastProblem,
      )
    }
    await Promise.race([sleep(Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now()))), exitedEarly])
  }
}

function waitForListener(
  options: StartServiceOptions,
  handle: ServiceHandle,
  deadline: number,
): Promise<void> {
  return waitListening({
    url: options.listenUrl!,
    deadline,
    exited: handle.exited,
    signal: options.signal,
    fail: (lastProblem) => {
      throw new ServiceStartError(
        `service answered at ${options.readyUrl} but nothing answered at ${options.listenUrl} within ` +
          `${formatSeconds(options.readyTimeoutMs)} (last attempt: ${lastProblem}): does the service listen on ` +
          `the port input (it is given as PORT, and \${PORT} in args)? Last log lines:\n${handle.logTail()}`,
        handle.logTail(),
        undefined,
        lastProblem,
      )
    },
    failExited: async () => {
      const exit = await handle.exited
      throw new ServiceStartError(
        `service ${describeExit(exit)} before it was ready; last log lines:\n${handle.logTail()}`,
        handle.logTail(),
        exit,
      )
    },
  })
}

export function describeExit(exit: ExitStatus): string {
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The last lines of a log file, reading only its end. */
export function readLogTail(path: string, lines: number): string {
  let fd: number | undefined
  try {
    fd = fs.openSync(path, 'r')
    const size = fs.fstatSync(fd).size
    const length = Math.min(size, 64 * 1024)
    const buf = Buffer.alloc(length)
    fs.readSync(fd, buf, 0, length, size - length)
    const all = buf.toString('utf8').replace(/\n$/, '').split('\n')
    if (length < size) all.shift() // probably a partial line
    const tail = all.slice(-lines).map((l) => (l.length > 500 ? `${l.slice(0, 500)}…` : l))
    return tail.join('\n') || '(log is empty)'
  } catch {
    return '(no log)'
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}
