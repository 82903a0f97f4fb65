// Caps on what one profile may hold, checked before anything is decoded: a
// profile under the size cap made of millions of tiny samples fails in one line
// instead of taking gigabytes.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeProfile, DEFAULT_BUDGET } from '../../src/profile/decode.js'
import { ProfileError } from '../../src/profile/profile-error.js'
import { decodeSnapshotProfile } from '../../src/profile/decode-side.js'

const HEAP = readFileSync(new URL('../fixtures/profiles/heap.pb.gz', import.meta.url))

/** A valid heap profile of n identical one-location samples (what the hostile fixture serves, smaller). */
function manySamples(n: number): Buffer {
  const field = (num: number, value: number[]): number[] => [
    (num << 3) | 2,
    ...varint(value.length),
    ...value,
  ]
  const bytes: number[] = []
  for (const [t, u] of [
    [1, 2],
    [3, 4],
    [5, 2],
    [6, 4],
  ])
    bytes.push(...field(1, [0x08, t!, 0x10, u!]))
  const sample = field(2, [0x0a, 0x01, 0x01, 0x12, 0x04, 1, 1, 1, 1])
  for (let i = 0; i < n; i++) bytes.push(...sample)
  bytes.push(...field(4, [0x08, 0x01, 0x22, 0x02, 0x08, 0x01]), ...field(5, [0x08, 0x01, 0x10, 0x07]))
  for (const s of [
    '',
    'alloc_objects',
    'count',
    'alloc_space',
    'bytes',
    'inuse_objects',
    'inuse_space',
    'main.f',
  ])
    bytes.push(...field(6, [...Buffer.from(s)]))
  return gzipSync(Buffer.from(bytes))
}

function varint(v: number): number[] {
  const out: number[] = []
  for (; v >= 0x80; v >>>= 7) out.push((v & 0x7f) | 0x80)
  return [...out, v]
}

describe('profile budgets', () => {
  it('a real heap profile is far inside the default budget', () => {
    expect(decodeProfile(HEAP).samples.length).toBeGreaterThan(0)
    expect(DEFAULT_BUDGET).toEqual({
      samples: 500_000,
      locations: 500_000,
      functions: 200_000,
      strings: 1_000_000,
    })
  })

  it.each(['samples', 'locations', 'functions', 'strings'] as const)(
    'more %s than the budget: one line naming what overflowed',
    (what) => {
      const error = (() => {
        try {
          decodeProfile(HEAP, { budget: { [what]: 1 } })
        } catch (e) {
          return e as Error
        }
      })()
      expect(error).toBeInstanceOf(ProfileError)
      expect(error!.message).toBe(
        `over budget: more than 1 ${what} in one profile (no real Go profile has that many; the service served something else)`,
      )
    },
  )

  it('600,000 samples under the size cap fail at the default budget, naming side and snapshot', () => {
    const bytes = manySamples(600_000)
    expect(bytes.length).toBeLessThan(100_000)
    expect(decodeProfile(manySamples(1000)).samples).toHaveLength(1000)
    expect(() => decodeSnapshotProfile(bytes, 'head snapshot S2 heap profile', 'heap')).toThrow(
      /^head snapshot S2 heap profile: over budget: more than 500,000 samples in one profile/,
    )
  })
})
