import { describe, expect, it } from 'vitest'
import { aggregateByFunction, aggregateBySample, functionStackKey } from '../../src/profile/aggregate.js'
import { decodeProfile } from '../../src/profile/decode.js'
import { formatTable } from '../../src/profile/top-format.js'
import { buildProfile, expected, fixture, fixtureText, fromShowing } from './fixtures.js'

const cases = Object.entries(expected.profiles).flatMap(([file, byType]) =>
  Object.entries(byType).map(([sampleType, top]) => ({ file, sampleType, top })),
)

describe('aggregateByFunction matches go tool pprof -top -nodefraction=0', () => {
  it.each(cases)('$file -sample_index=$sampleType', ({ file, sampleType, top }) => {
    const table = aggregateByFunction(decodeProfile(fixture(file)), sampleType, { inlineMarks: true })
    expect(table.total).toBe(top.total)
    // Same rows, same order (|flat| desc, name, |cum| desc), same inline marks.
    expect(
      table.rows.map((r) => ({
        name: r.name,
        flat: r.flat,
        cum: r.cum,
        ...(r.inline ? { inline: r.inline } : {}),
      })),
    ).toEqual(top.rows)
    expect(table.rows.reduce((n, r) => n + r.flat, 0)).toBe(top.shown)
  })

  it('has the leak, the inlined helper and the recursion where the generator put them', () => {
    const table = aggregateByFunction(decodeProfile(fixture('heap.pb.gz')), 'inuse_space', {
      inlineMarks: true,
    })
    const row = (name: string) => table.rows.find((r) => r.name === name)!
    // 1 MiB in 4 KiB chunks, plus the slice of chunk headers that grew with it.
    expect(row('main.leakGlobal').flat).toBeGreaterThanOrEqual(1 << 20)
    expect(row('main.newEntry')).toMatchObject({ flat: 64 * 1024, cum: 64 * 1024, inline: 'inline' })
    expect(row('main.fillCache').cum).toBe(row('main.fillCache').flat + 64 * 1024)
    // recurse(4) allocates at five depths; counted once per sample, cum equals flat.
    expect(row('main.recurse').cum).toBe(row('main.recurse').flat)
    expect(table.rows.find((r) => r.name === 'main.churn')).toBeUndefined()
  })
})

describe("aggregate on samples that are no longer a decoded profile's own", () => {
  it.each(['goroutine.pb.gz', 'heap.pb.gz'])(
    "%s: a filtered copy (read through each sample's stack) gives the same table and marks",
    (file) => {
      const p = decodeProfile(fixture(file))
      const sampleType = p.sampleTypes.at(-1)!.type
      // Plain objects, as a caller that rebuilt its samples would pass them.
      const plain = p.samples.map((s) => ({ stack: s.stack, values: s.values, labels: s.labels }))
      const copy = { ...p, samples: plain }
      const a = aggregateByFunction(p, sampleType, { inlineMarks: true })
      const b = aggregateByFunction(copy, sampleType, { inlineMarks: true })
      expect(b.total).toBe(a.total)
      expect(b.rows).toEqual(a.rows)
      expect(formatTable(b)).toBe(formatTable(a))
    },
  )
})

describe('formatTable reads like go tool pprof -top', () => {
  it.each([
    ['heap.pb.gz', 'inuse_space', 'pprof-top-heap-inuse_space.txt'],
    ['heap.pb.gz', 'alloc_objects', 'pprof-top-heap-alloc_objects.txt'],
    ['cpu.pb.gz', 'cpu', 'pprof-top-cpu.txt'],
    ['goroutine.pb.gz', 'goroutine', 'pprof-top-goroutine.txt'],
  ])('%s %s equals %s from "Showing nodes" on', (file, sampleType, golden) => {
    const table = aggregateByFunction(decodeProfile(fixture(file)), sampleType)
    expect(formatTable(table)).toBe(fromShowing(fixtureText(golden)))
  })
})

describe('aggregate on hand-built stacks', () => {
  // Functions 1..4; locations: 1 = a, 2 = b, 3 = c, 4 = [d inlined into b].
  const profile = decodeProfile(
    buildProfile({
      sampleTypes: [['inuse_space', 'bytes']],
      functions: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }],
      locations: [[1], [2], [3], [4, 2]],
      samples: [
        { locations: [1, 2, 1, 3], values: [10] }, // a ← b ← a ← c: recursion through b
        { locations: [4, 3], values: [5] }, // d (inlined into b) ← c
        { locations: [2, 3], values: [0] }, // zero: ignored, as pprof does
        { locations: [], values: [7] }, // empty stack: in the total, in no row
      ],
    }),
  )

  it('counts flat at the leaf and cum once per sample', () => {
    const t = aggregateByFunction(profile, 'inuse_space', { inlineMarks: true })
    expect(t.total).toBe(22)
    expect(t.rows.map((r) => [r.name, r.flat, r.cum, r.inline ?? ''])).toEqual(
      [
        ['a', 10, 10, ''],
        ['d', 5, 5, 'inline'],
        ['c', 0, 15, ''],
        ['b', 0, 15, ''],
      ].sort((x, y) => (x[1] !== y[1] ? (y[1] as number) - (x[1] as number) : x[0]! < y[0]! ? -1 : 1)),
    )
  })

  it('groups by any function key, still once per sample', () => {
    const t = aggregateByFunction(profile, 'inuse_space', { key: (f) => (f.name === 'c' ? 'c' : 'not-c') })
    expect(t.rows.map((r) => [r.name, r.flat, r.cum])).toEqual([
      ['not-c', 15, 15],
      ['c', 0, 15],
    ])
  })

  it('groups samples by an arbitrary key', () => {
    const groups = aggregateBySample(profile, 'inuse_space', (s) =>
      s.stack.length ? functionStackKey(s, 2) : undefined,
    )
    expect([...groups.values()].map((g) => [g.key, g.value, g.samples])).toEqual([
      ['a;b', 10, 1],
      ['d;b', 5, 1],
      ['b;c', 0, 1],
    ])
  })
})
