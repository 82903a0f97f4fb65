import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { aggregateByFunction } from '../../src/profile/aggregate.js'
import { decodeProfile } from '../../src/profile/decode.js'
import { diffProfiles } from '../../src/profile/diff.js'
import { buildProfile } from './fixtures.js'

/** Appends a varint; values here are small non-negative integers. */
function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
}

/**
 * A heap profile the size of a busy service's: 60k samples, stacks 10–40 deep,
 * a fifth of the locations with an inlined frame. pprof-format encodes the
 * tables; the samples are written by hand, which is much faster than building
 * 60k Sample objects for its encoder.
 */
function bigHeapProfile(seed: number): Uint8Array {
  let s = seed
  const rand = (n: number): number => (
    (s = (Math.imul(s, 1103515245) + 12345) >>> 0),
    Math.floor((s / 2 ** 32) * n)
  )
  const functions = Array.from({ length: 3000 }, (_, i) => ({
    name: `example.com/svc/pkg${i % 40}.Func${i}`,
  }))
  const locations = Array.from({ length: 8000 }, () =>
    rand(5) === 0 ? [1 + rand(3000), 1 + rand(3000)] : [1 + rand(3000)],
  )
  const tables = buildProfile({
    sampleTypes: [
      ['alloc_objects', 'count'],
      ['alloc_space', 'bytes'],
      ['inuse_objects', 'count'],
      ['inuse_space', 'bytes'],
    ],
    functions,
    locations,
    samples: [],
  })
  const out: number[] = []
  for (let i = 0; i < 60_000; i++) {
    const ids: number[] = []
    const depth = 10 + rand(31)
    for (let d = 0; d < depth; d++) varint(ids, 1 + rand(8000))
    const objects = 1 + rand(50)
    const size = 16 * (1 + rand(512))
    const vals: number[] = []
    for (const v of [objects * 4, objects * size * 4, objects, objects * size]) varint(vals, v)
    const body: number[] = [0x0a]
    varint(body, ids.length)
    body.push(...ids, 0x12)
    varint(body, vals.length)
    body.push(...vals)
    out.push(0x12)
    varint(out, body.length)
    for (const b of body) out.push(b)
  }
  const bytes = new Uint8Array(tables.length + out.length)
  bytes.set(tables)
  bytes.set(out, tables.length)
  return gzipSync(bytes, { level: 1 })
}

// Speed is measured in `npm run bench`, not asserted here: this checks that a
// profile of a busy service's size decodes, aggregates and diffs correctly.
describe('a 60k-sample profile', () => {
  it('decodes, aggregates and diffs against itself to nothing', () => {
    const bytes = bigHeapProfile(1)
    const first = decodeProfile(bytes)
    const p = decodeProfile(bytes)
    const table = aggregateByFunction(p, 'inuse_space')
    const diff = diffProfiles(first, p, 'alloc_space')

    expect(p.samples).toHaveLength(60_000)
    expect(table.rows.length).toBeGreaterThan(2000)
    expect(table.total).toBe(p.samples.reduce((sum, s) => sum + Math.abs(s.values[3]!), 0))
    expect(diff.rows).toEqual([]) // a profile minus itself: everything cancels
  })
})
