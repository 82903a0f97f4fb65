import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as net from 'node:net'
import { join } from 'node:path'
import { ServiceStartError, startService, type StartServiceOptions } from '../../src/service/process.js'
import { isPortInUse } from '../../src/service/port.js'
import { BUILD_TIMEOUT_MS, buildFixtures, canConnect, freePort, isRunning, minimalEnv } from './helpers.js'

let fixtures: Awaited<ReturnType<typeof buildFixtures>>
beforeAll(async () => {
  fixtures = await buildFixtures(['healthy', 'exitnow', 'neverready', 'slowstart', 'spawnchild'])
}, BUILD_TIMEOUT_MS)
afterAll(() => fixtures?.remove())

async function options(
  name: string,
  extra: Partial<StartServiceOptions> = {},
  env: Record<string, string> = {},
) {
  const port = await freePort()
  return {
    binary: fixtures.bin(name),
    args: [],
    cwd: fixtures.dir,
    env: minimalEnv({ PORT: String(port), ...env }),
    logPath: join(fixtures.dir, `${name}-${port}.log`),
    port,
    readyUrl: `http://127.0.0.1:${port}/debug/pprof/`,
    readyTimeoutMs: 10_000,
    ...extra,
  } satisfies StartServiceOptions
}

/** Pids whose command line mentions the fixture dir: nothing may be left. */
function leftovers(): number[] {
  if (process.platform !== 'linux') return []
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(fixtures.dir) && isRunning(pid)
      } catch {
        return false
      }
    })
}

describe('startService', () => {
  it('starts, answers, stops with SIGTERM, and frees the port', async () => {
    const opts = await options('healthy')
    const svc = await startService(opts)
    expect(isRunning(svc.pid)).toBe(true)
    expect(await canConnect(opts.port)).toBe(true)
    await svc.stop()
    expect(isRunning(svc.pid)).toBe(false)
    expect(await svc.exited).toEqual({ code: 0, signal: null })
    expect(await canConnect(opts.port)).toBe(false)
    expect(await isPortInUse(opts.port)).toBe(false)
    expect(readFileSync(opts.logPath, 'utf8')).toMatch(/listening on/)
    expect(svc.logTail(1)).toMatch(/shutting down/)
    await svc.stop() // idempotent
  })

  it('refuses a port that is already in use', async () => {
    const opts = await options('healthy')
    const blocker = net.createServer().listen(opts.port, '127.0.0.1')
    await new Promise((r) => blocker.once('listening', r))
    try {
      await expect(startService(opts)).rejects.toThrow(`port ${opts.port} is already in use`)
    } finally {
      blocker.close()
    }
    expect(existsSync(opts.logPath)).toBe(false) // nothing was started
  })

  it('reports a service that exits at once, with its code and log', async () => {
    const opts = await options('exitnow')
    const started = Date.now()
    const err = await startService(opts).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ServiceStartError)
    expect((err as Error).message).toMatch(
      /^service exited with code 3 before it was ready; last log lines:\n/,
    )
    expect((err as Error).message).toContain('cannot load configuration')
    expect((err as ServiceStartError).exit).toEqual({ code: 3, signal: null })
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('times out on a service that never listens, and stops it', async () => {
    const opts = await options('neverready', { readyTimeoutMs: 1500 })
    const err = await startService(opts).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(
      new RegExp(
        `^service did not answer 2xx at ${opts.readyUrl} within 1\\.5 s \\(last attempt: ECONNREFUSED\\); last log lines:\\n`,
      ),
    )
    expect((err as Error).message).toContain('will never listen')
    expect(leftovers()).toEqual([])
  })

  it('gives up early on a ready URL that keeps answering 404', async () => {
    const opts = await options('healthy', { readyTimeoutMs: 30_000, notFoundGraceMs: 500 })
    opts.readyUrl = `http://127.0.0.1:${opts.port}/nope`
    const started = Date.now()
    const err = await startService(opts).catch((e: unknown) => e)
    expect((err as Error).message).toMatch(
      /^service answers 404 at http:\/\/127\.0\.0\.1:\d+\/nope \(for 0\.\d s\): is the ready-url right\?/,
    )
    expect((err as ServiceStartError).lastAttempt).toBe('HTTP 404')
    expect(Date.now() - started).toBeLessThan(5000)
    expect(await canConnect(opts.port)).toBe(false)
  })

  it('falls back to SIGKILL when SIGTERM is ignored', async () => {
    const opts = await options('neverready', { readyTimeoutMs: 300 }, { IGNORE_SIGTERM: '1' })
    const started = Date.now()
    const err = await startService(opts).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ServiceStartError)
    // ~3 s grace, then SIGKILL
    expect(Date.now() - started).toBeGreaterThan(3000)
    expect(leftovers()).toEqual([])
  })

  it('keeps polling while a slow service starts', async () => {
    const opts = await options('slowstart', {}, { START_DELAY_MS: '1200' })
    const started = Date.now()
    const svc = await startService(opts)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1100)
    await svc.stop()
    expect(isRunning(svc.pid)).toBe(false)
  })

  it('kills the whole process group, children included', async () => {
    const pidFile = join(fixtures.dir, 'child.pid')
    const opts = await options('spawnchild', {}, { CHILD_PID_FILE: pidFile })
    const svc = await startService(opts)
    const child = Number(readFileSync(pidFile, 'utf8').trim())
    expect(isRunning(child)).toBe(true)
    await svc.stop()
    await new Promise((r) => setTimeout(r, 100))
    expect(isRunning(svc.pid)).toBe(false)
    expect(isRunning(child)).toBe(false)
  })

  it('stops the service when the signal aborts', async () => {
    const controller = new AbortController()
    const opts = await options('healthy', { signal: controller.signal })
    const svc = await startService(opts)
    controller.abort()
    await svc.exited
    await svc.stop()
    expect(isRunning(svc.pid)).toBe(false)
  })

  it('says when the binary cannot be started', async () => {
    const opts = await options('healthy', { binary: join(fixtures.dir, 'does-not-exist') })
    await expect(startService(opts)).rejects.toThrow(/could not start the service .*does-not-exist: .*ENOENT/)
  })
})
