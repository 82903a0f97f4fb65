import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  parseLsofCount,
  parseProcStatusRss,
  parsePsRss,
  processStats,
} from '../../src/service/process-stats.js'
import { startService } from '../../src/service/process.js'
import { BUILD_TIMEOUT_MS, buildFixtures, freePort, minimalEnv } from './helpers.js'

const recorded = (name: string): string => readFileSync(join(import.meta.dirname, 'recorded', name), 'utf8')

describe('parsers of recorded outputs', () => {
  it('ps -o rss= (KiB, padded)', () => {
    expect(parsePsRss(recorded('macos-ps-rss.txt'))).toBe(15872 * 1024)
    expect(parsePsRss(recorded('macos-ps-rss-large.txt'))).toBe(812344 * 1024)
    expect(parsePsRss('')).toBeUndefined() // pid gone: ps prints nothing
  })

  it('lsof table: descriptors only (not cwd, txt)', () => {
    expect(parseLsofCount(recorded('macos-lsof.txt'))).toBe(11)
  })

  it('lsof -F f: the same count', () => {
    expect(parseLsofCount(recorded('macos-lsof-fields.txt'))).toBe(11)
    expect(parseLsofCount('')).toBe(0)
  })

  it('/proc/<pid>/status VmRSS', () => {
    expect(parseProcStatusRss(recorded('linux-proc-status.txt'))).toBe(23812 * 1024)
    expect(parseProcStatusRss('Name:\tzombie\nState:\tZ (zombie)\n')).toBeUndefined()
  })
})

describe('processStats of a live service', () => {
  let fixtures: Awaited<ReturnType<typeof buildFixtures>>
  beforeAll(async () => {
    fixtures = await buildFixtures(['healthy'])
  }, BUILD_TIMEOUT_MS)
  afterAll(() => fixtures?.remove())

  it('reads RSS and open descriptors (and the ps/lsof path agrees where available)', async () => {
    const port = await freePort()
    const svc = await startService({
      binary: fixtures.bin('healthy'),
      args: [],
      cwd: fixtures.dir,
      env: minimalEnv({ PORT: String(port) }),
      logPath: join(fixtures.dir, 'healthy.log'),
      port,
      readyUrl: `http://127.0.0.1:${port}/time`,
      readyTimeoutMs: 10_000,
    })
    try {
      const stats = await processStats(svc.pid)
      expect(stats.rssBytes).toBeGreaterThan(1024 * 1024)
      expect(stats.rssBytes).toBeLessThan(1024 * 1024 * 1024)
      expect(stats.openFds).toBeGreaterThanOrEqual(4) // stdin, stdout, stderr, listener
      if (process.platform === 'linux') {
        // The macOS path (ps + lsof) works on Linux too: same descriptors, RSS in the same range.
        const viaTools = await processStats(svc.pid, 'darwin').catch(() => undefined)
        if (viaTools) {
          expect(viaTools.rssBytes).toBeGreaterThan(stats.rssBytes / 2)
          expect(viaTools.rssBytes).toBeLessThan(stats.rssBytes * 2)
          if (viaTools.openFds !== null)
            expect(Math.abs(viaTools.openFds - stats.openFds!)).toBeLessThanOrEqual(2)
        }
      }
    } finally {
      await svc.stop()
    }
    await expect(processStats(svc.pid)).rejects.toThrow()
  })
})
