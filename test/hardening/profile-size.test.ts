// The max-profile-size input: a profile that gunzips past the cap (a
// decompression bomb, or a real profile under a cap set too small) is refused
// with one line naming the side, the snapshot and the input, before it can
// exhaust the runner's memory; the CLI treats it as bad input (exit 2).
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeSide, SnapshotError } from '../../src/profile/decode-side.js'
import { CLI, runCli } from './cli.js'
import { afterFault, faultRepo, lastLine, runFault, tail } from './e2e.js'
import { brokenProfile, measurement } from './measurement.js'

const QUICK = ['--warmup', '0s', '--duration', '2s', '--snapshots', '3', '--requests', 'GET /time']

describe('a decompression bomb under a configured cap', () => {
  it('names side, snapshot and the input, on one line, without gunzipping past the cap', () => {
    const head = measurement('head', { label: 'S2', slot: 'heap', bytes: brokenProfile('bomb.pb.gz') })
    const before = process.memoryUsage().arrayBuffers
    let error: unknown
    try {
      decodeSide(head, { maxProfileBytes: 1024 * 1024 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(SnapshotError)
    expect((error as Error).message).toBe(
      'head snapshot S2 heap profile: decompressed size exceeds 1 MiB (the max-profile-size input)',
    )
    // The bomb inflates past 256 MiB; stopping at the cap keeps memory near it.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  })

  it('a real profile within the cap decodes as before', () => {
    expect(decodeSide(measurement('base'), { maxProfileBytes: 256 * 1024 * 1024 }).snapshots).toHaveLength(5)
  })
})

describe.runIf(existsSync(CLI))(
  'memleak run --max-profile-size (node dist/cli.js)',
  { timeout: 60_000 },
  () => {
    afterEach((ctx) => afterFault(ctx.task.id))

    it('a cap below a real heap profile: exit 2, one line naming side, snapshot and input', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      // Any Go heap profile gunzips to more than 1 KiB (its mappings and function names alone).
      // Head alone, the shortest load there is: the cap bites at the first decode.
      const run = await runCli(
        [
          'run',
          '--package',
          './cmd/api',
          '--port',
          String(repo.port),
          ...QUICK,
          '--max-profile-size',
          '1KiB',
        ],
        { cwd: repo.dir, timeoutMs: 50_000 },
      )
      expect(run.code, tail(run.stderr)).toBe(2)
      expect(lastLine(run.stderr)).toBe(
        'memleak: head snapshot S0 heap profile: decompressed size exceeds 1 KiB (the max-profile-size input)',
      )
      expect(run.stderr).not.toMatch(/^\s+at /m)
    })

    it('a size that is not one: exit 2 before anything is built', async (ctx) => {
      const repo = await faultRepo(ctx.task.id, 'healthy', 'healthy')
      const run = await runFault(repo, ['--max-profile-size', '256MB'])
      expect(run.code).toBe(2)
      expect(run.stderr).toBe('memleak: max-profile-size: expected a size like 256MiB or 1GiB, got "256MB"\n')
    })
  },
)
