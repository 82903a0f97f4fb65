// Every broken profile in test/fixtures/broken (see make-broken.mjs), through
// the two doors a profile comes in by: `memleak diff` on files, and the
// pipeline's decode of a side's snapshots. Broken ones fail with one line that
// names the file (or the side and snapshot) and what is wrong; valid-but-odd
// ones either decode sensibly or fail the same way, decided case by case below.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { compareSides } from '../../src/analysis/compare.js'
import { decodeSide, SnapshotError } from '../../src/profile/decode-side.js'
import { decodeProfile } from '../../src/profile/decode.js'
import { CLI, expectOneLine, runCli } from './cli.js'
import { brokenProfile, BROKEN, measurement, PROFILES, realProfile } from './measurement.js'

type Outcome = { fails: RegExp } | { decodes: true }

interface Case {
  file: string
  /** `memleak diff FILE good`: most fail; a pprof diff legitimately holds negative values. */
  diff: Outcome
  /** The pipeline: a heap profile of a side's snapshot. */
  snapshot: Outcome
  /** Why an `it.fails` case is expected to fail today (a bug outside this folder). */
  knownBug?: { diff?: string; snapshot?: string }
}

const CASES: Case[] = [
  {
    file: 'truncated-gzip.pb.gz',
    diff: { fails: /truncated gzip$/ },
    snapshot: { fails: /: truncated gzip$/ },
  },
  {
    file: 'not-gzip.pb.gz',
    diff: { fails: /not a pprof profile: .*looks like text: "404 page not found/ },
    snapshot: { fails: /not a pprof profile: .*404 page not found/ },
  },
  {
    file: 'garbage-protobuf.pb.gz',
    diff: { fails: /not a pprof profile/ },
    snapshot: { fails: /not a pprof profile/ },
  },
  { file: 'empty.pb.gz', diff: { fails: /empty input/ }, snapshot: { fails: /empty input/ } },
  {
    file: 'empty-gzip.pb.gz',
    diff: { fails: /empty after gunzip/ },
    snapshot: { fails: /empty after gunzip/ },
  },
  {
    // Decodes fine; a heap profile it is not.
    file: 'cpu.pb.gz',
    diff: { fails: /no inuse_space sample type \(has: samples, cpu\)/ },
    snapshot: {
      fails: /not a heap profile: no alloc_objects, .*inuse_space sample type \(has: samples, cpu\)/,
    },
  },
  {
    file: 'missing-strings.pb.gz',
    diff: { fails: /missing string table entry \d+ \(function \d+ name\)/ },
    snapshot: { fails: /missing string table entry/ },
  },
  {
    // `go tool pprof -diff_base` output has negative values: fine to diff; a live heap cannot have them.
    file: 'negative-values.pb.gz',
    diff: { decodes: true },
    snapshot: {
      fails: /negative alloc_objects of sample \d+ \(.+\): -\d+; a heap profile counts what exists/,
    },
  },
  {
    // 2^63-1 bytes: decodes (as an inexact double); no real heap is 8 EiB.
    file: 'huge-values.pb.gz',
    diff: { decodes: true },
    snapshot: { fails: /inuse_space of sample 0 \(.+\) is 9\.22e\+18, beyond any real heap profile/ },
  },
  {
    // Go writes samples without locations (goroutine profiles do): they count, under no function.
    file: 'empty-stacks.pb.gz',
    diff: { decodes: true },
    snapshot: { decodes: true },
  },
  {
    // Which of two functions (or locations) with one id a stack means is ambiguous: pprof rejects it.
    file: 'duplicate-ids.pb.gz',
    diff: { fails: /function \d+ defined twice \(main\.leakGlobal, main\.impostor\)/ },
    snapshot: { fails: /function \d+ defined twice \(main\.leakGlobal, main\.impostor\)/ },
  },
  {
    file: 'bomb.pb.gz',
    diff: { fails: /decompressed size exceeds 256 MiB/ },
    snapshot: { fails: /decompressed size exceeds 256 MiB/ },
  },
]

describe('the broken profiles are what make-broken.mjs says', () => {
  it('each exists, and the bomb is small on disk', () => {
    for (const c of CASES) expect(existsSync(new URL(c.file, BROKEN)), c.file).toBe(true)
    expect(brokenProfile('bomb.pb.gz').length).toBeLessThan(400 * 1024)
  })
})

describe.runIf(existsSync(CLI))('memleak diff BAD GOOD (node dist/cli.js)', () => {
  const good = fileURLToPath(new URL('heap.pb.gz', PROFILES))
  for (const c of CASES) {
    const test = c.knownBug?.diff ? it.fails : it.concurrent
    test(`${c.file}: ${'fails' in c.diff ? 'exit 2, one line naming the file' : 'decodes, exit 0'}`, async () => {
      const bad = fileURLToPath(new URL(c.file, BROKEN))
      const run = await runCli(['diff', bad, good])
      if ('fails' in c.diff) {
        const line = expectOneLine(run.stderr)
        expect(run.code).toBe(2)
        expect(line).toContain(`memleak: ${bad}: `)
        expect(line).toMatch(c.diff.fails)
        expect(run.stdout).toBe('')
      } else {
        expect(run.stderr).toBe('')
        expect(run.code).toBe(0)
        expect(run.stdout).toMatch(/Showing nodes accounting for/)
        expect(run.stdout).not.toMatch(/NaN|Infinity|undefined/)
      }
    })
  }

  it.concurrent('names the head file too when it is the broken one', async () => {
    const bad = fileURLToPath(new URL('truncated-gzip.pb.gz', BROKEN))
    const run = await runCli(['diff', good, bad])
    expect(run.code).toBe(2)
    expect(expectOneLine(run.stderr)).toBe(`memleak: ${bad}: truncated gzip`)
  })

  // A heap profile on either side makes it a heap diff, so the CPU profile is the one named.
  it('a CPU profile as HEAD: the message names the CPU profile, not the good base', async () => {
    const cpu = fileURLToPath(new URL('cpu.pb.gz', BROKEN))
    const run = await runCli(['diff', good, cpu])
    expect(run.code).toBe(2)
    expect(expectOneLine(run.stderr)).toContain(cpu)
  })
})

describe('the pipeline decode names the side and snapshot', () => {
  for (const c of CASES) {
    const test = c.knownBug?.snapshot ? it.fails : it
    test(`${c.file} as head's S3 heap profile: ${'fails' in c.snapshot ? 'SnapshotError' : 'decodes and analyses'}`, () => {
      const head = measurement('head', { label: 'S3', slot: 'heap', bytes: brokenProfile(c.file) })
      if ('fails' in c.snapshot) {
        let error: unknown
        try {
          decodeSide(head)
        } catch (e) {
          error = e
        }
        expect(error).toBeInstanceOf(SnapshotError)
        const message = (error as Error).message
        expect(message).toMatch(/^head snapshot S3 heap profile: /)
        expect(message).toMatch(c.snapshot.fails)
        expect(message).not.toContain('\n')
      } else {
        const side = decodeSide(head)
        const base = decodeSide(measurement('base'))
        const analysis = compareSides(side, base, {
          modulePath: 'memleak-action/profilegen',
          regressionThreshold: 0.1,
          alpha: 0.05,
          memProfileRate: 1,
        })
        expect(analysis.head.requests).toBe(5000)
      }
    })
  }

  it('empty stacks are kept as samples under no function, values intact', () => {
    const odd = decodeProfile(brokenProfile('empty-stacks.pb.gz'))
    const real = decodeProfile(realProfile('heap.pb.gz'))
    expect(odd.samples).toHaveLength(real.samples.length)
    expect(odd.samples.filter((s) => s.stack.length === 0).length).toBe(Math.ceil(real.samples.length / 3))
    expect(odd.samples.map((s) => s.values)).toEqual(real.samples.map((s) => s.values))
  })

  it('negative values decode as the negative numbers they are (for diff), exactly', () => {
    const odd = decodeProfile(brokenProfile('negative-values.pb.gz'))
    const real = decodeProfile(realProfile('heap.pb.gz'))
    const negated = (v: number): number => (v === 0 ? 0 : -v)
    odd.samples.forEach((s, i) =>
      expect(s.values).toEqual(i % 4 === 0 ? real.samples[i]!.values.map(negated) : real.samples[i]!.values),
    )
    expect(odd.samples.some((s) => s.values.some((v) => v < -1000))).toBe(true)
  })

  it('a broken goroutine profile names the base side and the settled snapshot', () => {
    const base = measurement('base', {
      label: 'Sf',
      slot: 'goroutine',
      bytes: brokenProfile('not-gzip.pb.gz'),
    })
    expect(() => decodeSide(base)).toThrow(/^base snapshot Sf goroutine profile: not a pprof profile/)
  })

  it('a heap profile where the goroutine profile belongs is not a goroutine profile', () => {
    const base = measurement('base', { label: 'S1', slot: 'goroutine', bytes: realProfile('heap.pb.gz') })
    expect(() => decodeSide(base)).toThrow(
      'base snapshot S1 goroutine profile: not a goroutine profile: no goroutine sample type (has: alloc_objects, alloc_space, inuse_objects, inuse_space)',
    )
  })

  it('heap?debug=1 text without a MemStats footer names the snapshot', () => {
    const head = measurement('head', { label: 'S2', slot: 'heapText', bytes: '<html>502 Bad Gateway</html>' })
    expect(() => decodeSide(head)).toThrow(SnapshotError)
    expect(() => decodeSide(head)).toThrow(/^head snapshot S2 heap\?debug=1 text: no runtime.MemStats footer/)
  })
})
