import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { decodeProfile } from '../../src/profile/decode.js'
import { ProfileError } from '../../src/profile/profile-error.js'
import { valueIndex } from '../../src/profile/sample-types.js'
import type { Profile } from '../../src/model/profile.js'
import { buildProfile, fixture } from './fixtures.js'

function names(p: Profile, sample: number): string[] {
  return p.samples[sample]!.stack.map((f) => f.func.name)
}

function decodeError(bytes: Uint8Array, opts?: Parameters<typeof decodeProfile>[1]): ProfileError {
  try {
    decodeProfile(bytes, opts)
  } catch (err) {
    expect(err).toBeInstanceOf(ProfileError)
    const e = err as ProfileError
    expect(e.message).not.toContain('\n')
    return e
  }
  throw new Error('decodeProfile did not throw')
}

describe('decodeProfile on real Go profiles', () => {
  it.each([
    ['heap.pb.gz', ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'], 'space'],
    ['heap-base.pb.gz', ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'], 'space'],
    ['heap-head.pb.gz', ['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space'], 'space'],
    ['goroutine.pb.gz', ['goroutine'], 'goroutine'],
    ['cpu.pb.gz', ['samples', 'cpu'], 'cpu'],
  ])('%s has sample types %j', (file, types, periodType) => {
    const p = decodeProfile(fixture(file))
    expect(p.sampleTypes.map((t) => t.type)).toEqual(types)
    expect(p.periodType?.type).toBe(periodType)
    expect(p.samples.length).toBeGreaterThan(0)
    expect(p.timeNanos).toBeGreaterThan(1.7e18)
    expect(p.mainBinary).toMatch(/profilegen$/)
    for (const s of p.samples) {
      expect(s.values).toHaveLength(types.length)
      for (const v of s.values) expect(Number.isSafeInteger(v)).toBe(true)
      for (const f of s.stack) expect(typeof f.func.name).toBe('string')
    }
  })

  it('resolves a heap profile: units, period, the object-size label', () => {
    const p = decodeProfile(fixture('heap.pb.gz'))
    expect(p.sampleTypes[3]).toEqual({ type: 'inuse_space', unit: 'bytes' })
    expect(p.sampleTypes[0]).toEqual({ type: 'alloc_objects', unit: 'count' })
    // The generator sets runtime.MemProfileRate = 1.
    expect(p.period).toBe(1)
    const leak = p.samples.find(
      (s) => s.stack[0]?.func.name === 'main.leakGlobal' && s.values[3]! > 1_000_000,
    )
    expect(leak).toBeDefined()
    expect(leak!.numLabels?.bytes).toBe(4096)
    expect(leak!.stack[0]!.func.filename).toBe('memleak-action/profilegen/main.go')
    expect(names(p, p.samples.indexOf(leak!))).toEqual(['main.leakGlobal', 'main.main', 'runtime.main'])
  })

  it('gives one Func object per function, shared by every frame', () => {
    const p = decodeProfile(fixture('heap.pb.gz'))
    const mains = new Set(
      p.samples.flatMap((s) => s.stack.filter((f) => f.func.name === 'main.main').map((f) => f.func)),
    )
    expect(mains.size).toBe(1)
  })

  it('expands an inlined location leaf first: the callee, then what it was inlined into', () => {
    // In goroutine.pb.gz one location holds three lines (go tool pprof -raw shows them):
    // internal/sync.(*Mutex).Lock, sync.(*Mutex).Lock, main.parkGoroutines.func5.
    const p = decodeProfile(fixture('goroutine.pb.gz'))
    const s = p.samples.find((x) => x.stack.some((f) => f.func.name === 'main.parkGoroutines.func5'))!
    const at = s.stack.findIndex((f) => f.func.name === 'internal/sync.(*Mutex).Lock')
    const three = s.stack.slice(at, at + 3)
    expect(three.map((f) => f.func.name)).toEqual([
      'internal/sync.(*Mutex).Lock',
      'sync.(*Mutex).Lock',
      'main.parkGoroutines.func5',
    ])
    expect(new Set(three.map((f) => f.address)).size).toBe(1)
    expect(three.map((f) => f.inlined === true)).toEqual([true, true, false])
    expect(three.map((f) => f.line)).toEqual([70, 46, 123])

    const heap = decodeProfile(fixture('heap.pb.gz'))
    const cache = heap.samples.find((x) => x.stack[0]?.func.name === 'main.newEntry')!
    expect(cache.stack.slice(0, 2).map((f) => [f.func.name, f.inlined === true])).toEqual([
      ['main.newEntry', true],
      ['main.fillCache', false],
    ])
  })

  it('keeps goroutine labels as string labels', () => {
    const p = decodeProfile(fixture('goroutine.pb.gz'))
    const labelled = p.samples.filter((s) => Object.keys(s.labels).length > 0)
    expect(labelled).toHaveLength(1)
    expect(labelled[0]!.labels).toEqual({ handler: '/users' })
    expect(labelled[0]!.stack.map((f) => f.func.name)).toContain('main.parkGoroutines.func6.1')
  })

  it('reads a CPU profile with duration and period', () => {
    const p = decodeProfile(fixture('cpu.pb.gz'))
    expect(p.durationNanos).toBeGreaterThan(250e6)
    expect(p.periodType).toEqual({ type: 'cpu', unit: 'nanoseconds' })
    expect(p.period).toBe(10_000_000)
  })

  it('decodes the same bytes without gzip', async () => {
    const { gunzipSync } = await import('node:zlib')
    const a = decodeProfile(fixture('heap.pb.gz'))
    const b = decodeProfile(gunzipSync(fixture('heap.pb.gz')))
    expect(b.samples.length).toBe(a.samples.length)
    expect(b.samples.map((s) => s.values)).toEqual(a.samples.map((s) => s.values))
  })
})

describe('decodeProfile on hand-built profiles', () => {
  const base = {
    sampleTypes: [['inuse_space', 'bytes']] as [string, string][],
    functions: [{ name: 'main.leaf' }, { name: 'main.caller' }],
    locations: [[1], [2]],
  }

  it('normalises a negative int64 (a huge unsigned varint on the wire) and keeps big positives exact', () => {
    const p = decodeProfile(
      buildProfile({
        ...base,
        sampleTypes: [
          ['delta', 'bytes'],
          ['big', 'bytes'],
        ],
        samples: [{ locations: [1, 2], values: [-5, 5_000_000_000] }],
      }),
    )
    expect(p.samples[0]!.values).toEqual([-5, 5_000_000_000])
  })

  it('keeps samples with an empty stack', () => {
    const p = decodeProfile(buildProfile({ ...base, samples: [{ locations: [], values: [7] }] }))
    expect(p.samples).toHaveLength(1)
    expect(p.samples[0]!.stack).toEqual([])
    expect(p.samples[0]!.values).toEqual([7])
  })

  it('names an unsymbolized location by its address, as pprof does', () => {
    const p = decodeProfile(
      buildProfile({ ...base, locations: [[]], samples: [{ locations: [1], values: [1] }] }),
    )
    expect(p.samples[0]!.stack[0]!.func.name).toBe('0x1000')
  })

  it('reads numeric labels apart from string labels', () => {
    const p = decodeProfile(
      buildProfile({
        ...base,
        samples: [{ locations: [1], values: [1], labels: { bytes: 64, route: '/x' } }],
      }),
    )
    expect(p.samples[0]!.labels).toEqual({ route: '/x' })
    expect(p.samples[0]!.numLabels).toEqual({ bytes: 64 })
  })

  it('skips unknown top-level fields that pprof-format would misread', () => {
    const bytes = buildProfile({ ...base, samples: [{ locations: [1, 2], values: [3] }] })
    // Field 20, varint 1: a two-byte tag.
    const withUnknown = new Uint8Array([0xa0, 0x01, 0x01, ...bytes])
    expect(decodeProfile(withUnknown).samples[0]!.values).toEqual([3])
  })
})

describe('decoded model: a location table, stacks as indexes into it', () => {
  it("stack is the frames of the sample's locations, in order, and everything is read-only", () => {
    const p = decodeProfile(fixture('goroutine.pb.gz'))
    const table = p.locations!
    expect(table.length).toBeGreaterThan(0)
    let inlined = 0
    for (const s of p.samples) {
      const locs = s.locations!
      expect(locs).toBeInstanceOf(Int32Array)
      const frames = [...locs].flatMap((i) => table[i]!.frames)
      expect(s.stack).toEqual(frames)
      // A location's frames point at its functions; all but the last line were inlined into it.
      for (const i of locs) {
        const fs = table[i]!.frames
        expect(fs.at(-1)!.inlined).toBeUndefined()
        inlined += fs.slice(0, -1).filter((f) => f.inlined).length
      }
    }
    expect(inlined).toBeGreaterThan(0) // the fixture has sync.(*Mutex).Lock inlined
    expect(Object.isFrozen(p.samples)).toBe(true)
    expect(Object.isFrozen(table[0])).toBe(true)
    expect(Object.isFrozen(table[0]!.frames[0])).toBe(true)
    expect(Object.isFrozen(table[0]!.frames[0]!.func)).toBe(true)
    expect(p.samples[0]).toBe(p.samples[0]) // samples are made once, on first read
  })

  it('a copy of the profile keeps its samples; a sample serialises as the plain object it used to be', () => {
    const p = decodeProfile(fixture('heap.pb.gz'))
    const copy = { ...p }
    expect(copy.samples).toBe(p.samples)
    const s = p.samples.find((x) => x.numLabels)!
    const json = JSON.parse(JSON.stringify(s)) as Record<string, unknown>
    expect(Object.keys(json).sort()).toEqual(['labels', 'numLabels', 'stack', 'values'])
    expect(json.values).toEqual(s.values)
    expect((json.stack as unknown[]).length).toBe(s.stack.length)
  })

  it('samples with the same numeric labels share one frozen object', () => {
    const p = decodeProfile(fixture('heap.pb.gz'))
    const bySize = new Map<number, object>()
    for (const s of p.samples) {
      const n = s.numLabels
      if (!n) continue
      expect(Object.isFrozen(n)).toBe(true)
      const seen = bySize.get(n.bytes!)
      if (seen) expect(n).toBe(seen)
      else bySize.set(n.bytes!, n)
    }
    expect(bySize.size).toBeGreaterThan(1)
  })
})

describe('decodeProfile errors', () => {
  const heap = fixture('heap.pb.gz')

  it('rejects empty input', () => {
    expect(decodeError(new Uint8Array()).message).toBe('not a pprof profile: empty input')
  })

  it('rejects truncated gzip', () => {
    expect(decodeError(heap.subarray(0, heap.length >> 1)).message).toBe('truncated gzip')
    expect(decodeError(heap.subarray(0, 3)).message).toBe('truncated gzip')
  })

  it('rejects corrupt gzip', () => {
    const bad = Buffer.from(heap)
    bad[20] = bad[20]! ^ 0xff
    bad[21] = bad[21]! ^ 0xff
    expect(decodeError(bad).message).toMatch(/^corrupt gzip: |^truncated gzip$/)
  })

  it('rejects text that is not a profile, and shows its start', () => {
    const e = decodeError(Buffer.from('<!DOCTYPE html><html>404 page not found</html>'))
    expect(e.message).toMatch(/^not a pprof profile: .*looks like text: "<!DOCTYPE html>/)
    expect(decodeError(Buffer.from('404 page not found\n')).message).toMatch(/^not a pprof profile: /)
    expect(decodeError(gzipSync('{"error": "nope"}')).message).toMatch(
      /^not a pprof profile: .*looks like text/,
    )
  })

  it('rejects a truncated (un-gzipped) protobuf', async () => {
    const { gunzipSync } = await import('node:zlib')
    const raw = gunzipSync(heap)
    expect(decodeError(raw.subarray(0, raw.length - 100)).message).toMatch(/^truncated pprof profile: /)
  })

  it('rejects garbage protobuf', () => {
    const e = decodeError(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]))
    expect(e.message).toMatch(/^truncated pprof profile: field 1 of profile at byte 0 needs/)
    expect(decodeError(new Uint8Array([0x0b, 1, 2])).message).toMatch(
      /^not a pprof profile: invalid wire type 3/,
    )
  })

  it('never lets anything but a ProfileError escape, on random and mutated input', async () => {
    const { gunzipSync } = await import('node:zlib')
    const raw = gunzipSync(heap)
    let seed = 42
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0), seed / 2 ** 32)
    let decoded = 0
    for (let round = 0; round < 300; round++) {
      let bytes: Uint8Array
      if (round % 2 === 0) {
        bytes = new Uint8Array(1 + Math.floor(rand() * 200)).map(() => Math.floor(rand() * 256))
      } else {
        bytes = Uint8Array.from(raw)
        for (let k = 0; k < 4; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256)
      }
      try {
        decodeProfile(bytes)
        decoded++
      } catch (err) {
        expect(err).toBeInstanceOf(ProfileError)
      }
    }
    // Some mutations land in string bytes and still decode: that is fine.
    expect(decoded).toBeLessThan(300)
  })

  it('names the missing string table entry', () => {
    const bytes = buildProfile({
      sampleTypes: [['inuse_space', 'bytes']],
      functions: [{ name: 'main.f' }],
      locations: [[1]],
      samples: [{ locations: [1], values: [1] }],
      patch: (input) => {
        input.function![0]!.name = 17
      },
    })
    expect(decodeError(bytes).message).toBe('missing string table entry 17 (function 1 name)')
  })

  it('names a location referenced by a sample but not defined', () => {
    const bytes = buildProfile({
      sampleTypes: [['inuse_space', 'bytes']],
      functions: [{ name: 'main.f' }],
      locations: [[1]],
      samples: [{ locations: [1, 5], values: [1] }],
    })
    expect(decodeError(bytes).message).toBe('location 5 referenced by sample but not defined')
  })

  it('names a function referenced by a location but not defined', () => {
    const bytes = buildProfile({
      sampleTypes: [['inuse_space', 'bytes']],
      functions: [{ name: 'main.f' }],
      locations: [[1, 9]],
      samples: [{ locations: [1], values: [1] }],
    })
    expect(decodeError(bytes).message).toBe('function 9 referenced by location 1 but not defined')
  })

  it('rejects a function or location id defined twice', () => {
    const twice = (what: 'function' | 'location') =>
      buildProfile({
        sampleTypes: [['inuse_space', 'bytes']],
        functions: [{ name: 'main.f' }, { name: 'main.g' }],
        locations: [[1], [2]],
        samples: [{ locations: [1], values: [1] }],
        patch: (input) => {
          if (what === 'function') input.function![1]!.id = 1
          else input.location![1]!.id = 1
        },
      })
    expect(decodeError(twice('function')).message).toBe('function 1 defined twice (main.f, main.g)')
    expect(decodeError(twice('location')).message).toBe('location 1 defined twice')
  })

  it('rejects a sample with the wrong number of values', () => {
    const bytes = buildProfile({
      sampleTypes: [
        ['alloc_space', 'bytes'],
        ['inuse_space', 'bytes'],
      ],
      samples: [{ locations: [], values: [1] }],
    })
    expect(decodeError(bytes).message).toBe('sample 0 has 1 values, expected 2 (one per sample type)')
  })

  it('rejects a profile without sample types', () => {
    expect(decodeError(buildProfile({ sampleTypes: [], samples: [] })).message).toBe(
      'not a pprof profile: no sample types',
    )
  })

  it('stops a decompression bomb at the configured cap', () => {
    const bomb = gzipSync(Buffer.alloc(1 << 20))
    expect(bomb.length).toBeLessThan(2048)
    expect(decodeError(bomb, { maxDecompressedBytes: 64 * 1024 }).message).toBe(
      'decompressed size exceeds 64 KiB',
    )
    // Under the cap the zeros are merely not a profile (field 0).
    expect(decodeError(bomb, { maxDecompressedBytes: 2 << 20 }).message).toMatch(/^not a pprof profile: /)
  })

  it('asking a CPU profile for inuse_space names the types it has', () => {
    const cpu = decodeProfile(fixture('cpu.pb.gz'))
    expect(() => valueIndex(cpu, 'inuse_space')).toThrow(
      new ProfileError('profile has no inuse_space sample type (has: samples, cpu)'),
    )
    expect(() => valueIndex(cpu, 'inuse_space')).toThrow(ProfileError)
  })
})
