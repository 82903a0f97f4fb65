// Writes a pair of large Go-like heap profiles (base, head) with pprof-format's
// encoder, for the analysis-speed benchmark: `go tool pprof -top -diff_base`
// and `memleak diff` read the same two files.
//
//   tsx bench/gen-profiles.ts [--out DIR] [--samples 60000] [--functions 5000] [--seed 1]
//
// Stacks are random walks down a fixed call graph (so, as in a real service,
// samples share their root frames and callers recur at many depths) rather
// than independent random frames, which would make every stack unique from the
// root and understate the work of cumulative aggregation. Deterministic for a
// given seed and sizes.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { Profile, StringTable, type LocationInput, type SampleInput } from 'pprof-format'

export interface GenOptions {
  samples: number
  functions: number
  seed: number
  minDepth: number
  maxDepth: number
}

export const GEN_DEFAULTS: GenOptions = {
  samples: 60_000,
  functions: 5_000,
  seed: 1,
  minDepth: 5,
  maxDepth: 30,
}

/** mulberry32: small, fast, and the same sequence on every platform. */
function rng(seed: number): (n: number) => number {
  let a = seed >>> 0
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296
    return Math.floor(u * n)
  }
}

interface Shape {
  /** Per function: its call-site locations (ids), and the functions it calls. */
  locationsOf: number[][]
  callees: number[][]
  roots: number[]
  locations: LocationInput[]
  strings: StringTable
  functionInputs: { id: number; name: number; systemName: number; filename: number; startLine: number }[]
}

/** Functions, their locations (some with inlined frames) and a call graph. */
function makeShape(o: GenOptions, rand: (n: number) => number): Shape {
  const st = new StringTable()
  const packages = 60
  const functionInputs: Shape['functionInputs'] = []
  for (let i = 0; i < o.functions; i++) {
    const pkg = i % packages
    const base =
      pkg < 8
        ? ['runtime', 'net/http', 'encoding/json', 'bufio', 'sync', 'reflect', 'strings', 'bytes'][pkg]!
        : `example.com/svc/internal/pkg${pkg}`
    const name = i % 3 === 0 ? `${base}.(*Type${i % 97}).Method${i}` : `${base}.func${i}`
    const file =
      pkg < 8
        ? `/usr/local/go/src/${base}/file${i % 13}.go`
        : `/home/runner/work/svc/svc/internal/pkg${pkg}/f${i % 7}.go`
    functionInputs.push({
      id: i + 1,
      name: st.dedup(name),
      systemName: st.dedup(name),
      filename: st.dedup(file),
      startLine: 10 + (i % 400),
    })
  }
  const locations: LocationInput[] = []
  const locationsOf: number[][] = []
  let address = 0x401000
  for (let f = 0; f < o.functions; f++) {
    const sites: number[] = []
    const count = 1 + rand(4)
    for (let k = 0; k < count; k++) {
      const id = locations.length + 1
      // About one location in eight is an inlined call: line[0] is the inlined
      // callee, the last line the function it was inlined into.
      const line =
        rand(8) === 0
          ? [
              { functionId: 1 + rand(o.functions), line: 5 + rand(300) },
              { functionId: f + 1, line: 20 + rand(500) },
            ]
          : [{ functionId: f + 1, line: 20 + rand(500) }]
      address += 16 + rand(4096)
      locations.push({ id, mappingId: 1, address, line })
      sites.push(id)
    }
    locationsOf.push(sites)
  }
  const callees: number[][] = []
  for (let f = 0; f < o.functions; f++) {
    const n = 2 + rand(7)
    callees.push(Array.from({ length: n }, () => rand(o.functions)))
  }
  const roots = Array.from({ length: 12 }, () => rand(o.functions))
  return { locationsOf, callees, roots, locations, strings: st, functionInputs }
}

function randomStack(shape: Shape, o: GenOptions, rand: (n: number) => number): number[] {
  const depth = o.minDepth + rand(o.maxDepth - o.minDepth + 1)
  const rootFirst: number[] = []
  let f = shape.roots[rand(shape.roots.length)]!
  for (let d = 0; d < depth; d++) {
    const sites = shape.locationsOf[f]!
    rootFirst.push(sites[rand(sites.length)]!)
    const next = shape.callees[f]!
    f = next[rand(next.length)]!
  }
  return rootFirst.reverse()
}

interface HeapSample {
  stack: number[]
  size: number
  allocObjects: number
  inuseObjects: number
}

function randomSample(shape: Shape, o: GenOptions, rand: (n: number) => number): HeapSample {
  const size = 8 << rand(12) // 8 B .. 16 KiB size classes, roughly
  const allocObjects = 1 + rand(200)
  return { stack: randomStack(shape, o, rand), size, allocObjects, inuseObjects: rand(allocObjects + 1) }
}

function encode(shape: Shape, samples: HeapSample[], timeNanos: number): Uint8Array {
  const st = shape.strings
  const bytesKey = st.dedup('bytes')
  const sample: SampleInput[] = samples.map((s) => ({
    locationId: s.stack,
    value: [s.allocObjects, s.allocObjects * s.size, s.inuseObjects, s.inuseObjects * s.size],
    label: [{ key: bytesKey, num: s.size }],
  }))
  const profile = new Profile({
    sampleType: [
      { type: st.dedup('alloc_objects'), unit: st.dedup('count') },
      { type: st.dedup('alloc_space'), unit: st.dedup('bytes') },
      { type: st.dedup('inuse_objects'), unit: st.dedup('count') },
      { type: st.dedup('inuse_space'), unit: st.dedup('bytes') },
    ],
    sample,
    mapping: [
      {
        id: 1,
        memoryStart: 0x400000,
        memoryLimit: 0x400000 + 64 * 1024 * 1024,
        fileOffset: 0,
        filename: st.dedup('/tmp/go-build/svc'),
        hasFunctions: true,
        hasFilenames: true,
        hasLineNumbers: true,
      },
    ],
    location: shape.locations,
    function: shape.functionInputs,
    stringTable: st,
    timeNanos,
    periodType: { type: st.dedup('space'), unit: st.dedup('bytes') },
    period: 524288,
  })
  return gzipSync(profile.encode())
}

/**
 * base: `samples` random samples; head: the same program later, most stacks
 * kept with changed values, a tenth gone, a tenth new, so the diff has work
 * on every row. Both share one string, function and location table.
 */
export function generatePair(opts: Partial<GenOptions> = {}): { base: Uint8Array; head: Uint8Array } {
  const o = { ...GEN_DEFAULTS, ...opts }
  const rand = rng(o.seed)
  const shape = makeShape(o, rand)
  const base = Array.from({ length: o.samples }, () => randomSample(shape, o, rand))
  const head: HeapSample[] = []
  for (const s of base) {
    const r = rand(10)
    if (r === 0) continue
    if (r === 1) head.push(randomSample(shape, o, rand))
    else {
      const allocObjects = s.allocObjects + rand(100)
      head.push({ ...s, allocObjects, inuseObjects: rand(allocObjects + 1) })
    }
  }
  while (head.length < o.samples) head.push(randomSample(shape, o, rand))
  // Both encodings share the string table; encode head last so base's strings stay a prefix.
  const baseBytes = encode(shape, base, 1_700_000_000_000_000_000)
  const headBytes = encode(shape, head, 1_700_000_060_000_000_000)
  return { base: baseBytes, head: headBytes }
}

export function writePair(dir: string, opts: Partial<GenOptions> = {}): { base: string; head: string } {
  mkdirSync(dir, { recursive: true })
  const { base, head } = generatePair(opts)
  const paths = { base: join(dir, 'base.pb.gz'), head: join(dir, 'head.pb.gz') }
  writeFileSync(paths.base, base)
  writeFileSync(paths.head, head)
  return paths
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: 'bench/.work/profiles' },
      samples: { type: 'string' },
      functions: { type: 'string' },
      seed: { type: 'string' },
    },
  })
  const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v))
  const t0 = performance.now()
  const paths = writePair(resolve(values.out!), {
    samples: num(values.samples, GEN_DEFAULTS.samples),
    functions: num(values.functions, GEN_DEFAULTS.functions),
    seed: num(values.seed, GEN_DEFAULTS.seed),
  })
  console.log(`wrote ${paths.base} and ${paths.head} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
