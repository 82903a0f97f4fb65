// Child processes for the bench: each in its own process group, each with a
// deadline, all killed when the bench ends or is interrupted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { existsSync } from 'node:fs'

const live = new Set<ChildProcess>()

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    try {
      child.kill(signal)
    } catch {
      // already gone
    }
  }
}

let cleanupInstalled = false
function installCleanup(): void {
  if (cleanupInstalled) return
  cleanupInstalled = true
  process.on('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL')
  })
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping ${live.size} child process(es)\n`)
      // SIGTERM first: a running `memleak run` then stops its own services.
      for (const c of live) killGroup(c, 'SIGTERM')
      setTimeout(() => process.exit(130), live.size > 0 ? 8000 : 0).unref()
    })
  }
}

export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Killed (SIGTERM to the group, SIGKILL 10 s later) past this. */
  timeoutMs: number
  /** Called with each line of stderr as it arrives, with ms since start. */
  onStderrLine?: (line: string, atMs: number) => void
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  wallMs: number
  timedOut: boolean
}

export function run(command: string, args: string[], opts: RunOptions): Promise<RunResult> {
  installCleanup()
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    live.add(child)
    let stdout = ''
    let stderr = ''
    let partial = ''
    let timedOut = false
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
      if (!opts.onStderrLine) return
      partial += d
      const lines = partial.split('\n')
      partial = lines.pop()!
      const at = performance.now() - t0
      for (const l of lines) opts.onStderrLine(l, at)
    })
    let hardKill: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      killGroup(child, 'SIGTERM')
      hardKill = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000)
    }, opts.timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      live.delete(child)
      reject(err)
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      clearTimeout(hardKill)
      live.delete(child)
      if (partial && opts.onStderrLine) opts.onStderrLine(partial, performance.now() - t0)
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - t0, timedOut })
    })
  })
}

/** A long-running process (a service): started, then stopped by stop(). */
export interface Started {
  child: ChildProcess
  output: () => string
  stop: () => Promise<void>
}

export function start(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv },
): Started {
  installCleanup()
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  let out = ''
  const keep = (d: Buffer): void => {
    out = (out + d.toString('utf8')).slice(-8192)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()))
  child.once('error', () => {})
  return {
    child,
    output: () => out,
    stop: async () => {
      killGroup(child, 'SIGTERM')
      const t = setTimeout(() => killGroup(child, 'SIGKILL'), 5000)
      await closed
      clearTimeout(t)
      live.delete(child)
    },
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Polls http://127.0.0.1:port/path until it answers 2xx, within timeoutMs. */
export async function waitReady(port: number, path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) })
      await r.arrayBuffer()
      if (r.ok) return
      last = `HTTP ${r.status}`
    } catch (err) {
      last = (err as Error).message
    }
    await sleep(100)
  }
  throw new Error(`127.0.0.1:${port}${path} not ready after ${timeoutMs} ms (${last})`)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** The path of a command on the PATH, or undefined. */
export function which(command: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' })
  const path = r.stdout.trim()
  return r.status === 0 && path ? path : undefined
}

export const TIME_V = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined

/** Peak RSS in bytes from GNU time -v's stderr ("Maximum resident set size (kbytes): N"). */
export function maxRssFromTimeV(stderr: string): number | undefined {
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)
  return m ? Number(m[1]) * 1024 : undefined
}

/** User + system CPU time in ms from GNU time -v's stderr. */
export function cpuMsFromTimeV(stderr: string): number | undefined {
  const user = /User time \(seconds\): ([\d.]+)/.exec(stderr)
  const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr)
  return user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : undefined
}
