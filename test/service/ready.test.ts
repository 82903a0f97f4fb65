// Readiness waits for the service's own listener besides pprof: realservice
// serves pprof on PPROF_PORT at once and its routes only LISTEN_DELAY_MS later,
// as a service does whose pprof starts before its router.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { startService, ServiceStartError } from '../../src/service/process.js'
import { httpGet } from '../../src/service/http.js'
import { BUILD_TIMEOUT_MS, buildFixtures, freePort, minimalEnv } from './helpers.js'

let fixtures: Awaited<ReturnType<typeof buildFixtures>>
beforeAll(async () => {
  fixtures = await buildFixtures(['realservice'])
}, BUILD_TIMEOUT_MS)
afterAll(() => fixtures.remove())

async function options(delayMs: number, readyTimeoutMs = 10_000) {
  const [port, pprofPort] = [await freePort(), await freePort()]
  return {
    binary: fixtures.bin('realservice'),
    args: [],
    cwd: fixtures.dir,
    env: minimalEnv({ PORT: String(port), PPROF_PORT: String(pprofPort), LISTEN_DELAY_MS: String(delayMs) }),
    logPath: join(fixtures.dir, `realservice-${port}.log`),
    port,
    readyUrl: `http://127.0.0.1:${pprofPort}/debug/pprof/`,
    listenUrl: `http://127.0.0.1:${port}/me`,
    readyTimeoutMs,
  }
}

describe('startService with a listen URL', () => {
  it('is ready only once the service answers on its own port (a 401 counts), not when pprof does', async () => {
    const opts = await options(1500)
    const started = Date.now()
    const svc = await startService(opts)
    try {
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
      const res = await httpGet(opts.listenUrl, { timeoutMs: 2000 })
      expect(res.status).toBe(401)
    } finally {
      await svc.stop()
    }
  })

  it('says which URL never answered when the listener stays away', async () => {
    const opts = await options(60_000, 1500)
    const err = await startService(opts).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ServiceStartError)
    expect((err as Error).message).toContain(
      `service answered at ${opts.readyUrl} but nothing answered at ${opts.listenUrl} within 1.5 s (last attempt: ECONNREFUSED)`,
    )
  })
})
