// Shared by the service, load and capture tests: build fixture services once
// per test file, pick free ports, and check that a process is gone.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

/** Cold Go build caches (CI) make the first build of the Gin fixtures slow. */
export const BUILD_TIMEOUT_MS = 300_000

export const FIXTURES_DIR = resolve(import.meta.dirname, '../fixtures/go')

const run = promisify(execFile)

/** Builds fixtures into a fresh temp dir; remove() deletes it. */
export async function buildFixtures(
  names: string[],
): Promise<{ dir: string; bin: (name: string) => string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-fixtures-'))
  // One `go build` per binary, in parallel: the packages share the build cache.
  await Promise.all(
    names.map((name) =>
      run('go', ['build', '-o', join(dir, name), `./${name}`], {
        cwd: FIXTURES_DIR,
        timeout: BUILD_TIMEOUT_MS,
      }),
    ),
  )
  return { dir, bin: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A port nothing listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

export function minimalEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...extra }
}

/** Alive and not a zombie waiting to be reaped by someone else (Linux: /proc state Z). */
export function isRunning(pid: number): boolean {
  if (!isAlive(pid)) return false
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return process.platform !== 'linux'
  }
}
