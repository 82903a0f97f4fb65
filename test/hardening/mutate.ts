// Deterministic mutations of real pprof profiles for the fuzz test: bit flips,
// truncations, splices, corrupted length prefixes and varints, chunk
// duplication and deletion. Case i of seed s is always the same bytes, so a
// failure is reproduced by its number alone.
import { gzipSync } from 'node:zlib'

export type Random = () => number

/** mulberry32: small, fast, good enough to pick mutations. */
export function random(seed: number): Random {
  let a = seed | 0
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const int = (r: Random, n: number): number => Math.floor(r() * n)
const pick = <T>(r: Random, xs: readonly T[]): T => xs[int(r, xs.length)]!

/** Where a varint starts and ends, and whether it is a length prefix (wire type 2). */
interface Varint {
  start: number
  end: number
  isLength: boolean
}

function readVarint(buf: Uint8Array, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10 && pos < end; i++, pos++) {
    value += (buf[pos]! & 0x7f) * scale
    if (buf[pos]! < 0x80) return { value, next: pos + 1 }
    scale *= 128
  }
  return undefined
}

/**
 * Every varint (tags excluded) of a protobuf message, descending into
 * length-delimited fields that parse as messages themselves.
 */
export function varints(
  buf: Uint8Array,
  start = 0,
  end = buf.length,
  depth = 0,
  out: Varint[] = [],
): Varint[] {
  let pos = start
  const found: Varint[] = []
  while (pos < end) {
    const tag = readVarint(buf, pos, end)
    if (!tag || tag.value < 8) return out
    const wire = tag.value % 8
    pos = tag.next
    if (wire === 0) {
      const v = readVarint(buf, pos, end)
      if (!v) return out
      found.push({ start: pos, end: v.next, isLength: false })
      pos = v.next
    } else if (wire === 2) {
      const len = readVarint(buf, pos, end)
      if (!len || len.next + len.value > end) return out
      found.push({ start: pos, end: len.next, isLength: true })
      if (depth < 3) varints(buf, len.next, len.next + len.value, depth + 1, found)
      pos = len.next + len.value
    } else if (wire === 1) pos += 8
    else if (wire === 5) pos += 4
    else return out
  }
  out.push(...found)
  return out
}

function encodeVarint(value: bigint): Uint8Array {
  const bytes: number[] = []
  let v = BigInt.asUintN(64, value)
  do {
    const b = Number(v & 0x7fn)
    v >>= 7n
    bytes.push(v > 0n ? b | 0x80 : b)
  } while (v > 0n)
  return Uint8Array.from(bytes)
}

function replace(buf: Uint8Array, start: number, end: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(buf.length - (end - start) + bytes.length)
  out.set(buf.subarray(0, start))
  out.set(bytes, start)
  out.set(buf.subarray(end), start + bytes.length)
  return out
}

const INTERESTING = [
  0n,
  1n,
  2n,
  127n,
  128n,
  0xffffn,
  2n ** 31n,
  2n ** 32n + 1n,
  2n ** 53n + 1n,
  2n ** 63n,
  -1n,
]

type Mutation = (r: Random, buf: Uint8Array, others: readonly Uint8Array[]) => Uint8Array

export const MUTATIONS: Record<string, Mutation> = {
  bitflips(r, buf) {
    const out = Uint8Array.from(buf)
    for (let n = 1 + int(r, 8); n > 0 && out.length > 0; n--) out[int(r, out.length)]! ^= 1 << int(r, 8)
    return out
  },
  truncate(r, buf) {
    return buf.slice(0, int(r, buf.length))
  },
  splice(r, buf, others) {
    const other = pick(r, others)
    const a = int(r, buf.length + 1)
    const b = int(r, other.length + 1)
    const out = new Uint8Array(a + other.length - b)
    out.set(buf.subarray(0, a))
    out.set(other.subarray(b), a)
    return out
  },
  length(r, buf) {
    const lengths = varints(buf).filter((v) => v.isLength)
    if (lengths.length === 0) return buf
    const v = pick(r, lengths)
    const old = readVarint(buf, v.start, v.end)!.value
    const next = pick(r, [0, old - 1, old + 1, old * 2, old + 1000, ...INTERESTING.map(Number)])
    return replace(buf, v.start, v.end, encodeVarint(BigInt(Math.max(0, Math.floor(next)))))
  },
  varint(r, buf) {
    const all = varints(buf).filter((v) => !v.isLength)
    if (all.length === 0) return buf
    const v = pick(r, all)
    return replace(buf, v.start, v.end, encodeVarint(pick(r, INTERESTING)))
  },
  duplicate(r, buf) {
    const a = int(r, buf.length + 1)
    const b = Math.min(buf.length, a + 1 + int(r, 64))
    return replace(buf, b, b, buf.slice(a, b))
  },
  delete(r, buf) {
    const a = int(r, buf.length + 1)
    return replace(buf, a, Math.min(buf.length, a + 1 + int(r, 16)), new Uint8Array(0))
  },
  insert(r, buf) {
    const bytes = Uint8Array.from({ length: 1 + int(r, 16) }, () => int(r, 256))
    const a = int(r, buf.length + 1)
    return replace(buf, a, a, bytes)
  },
}

/** A tag, a length and the value of one length-delimited field. */
interface Framed {
  start: number
  valueStart: number
  end: number
}

/** The length-delimited fields of a message whose framing holds (none when it does not). */
function framedFields(buf: Uint8Array): Framed[] {
  const out: Framed[] = []
  let pos = 0
  while (pos < buf.length) {
    const start = pos
    const tag = readVarint(buf, pos, buf.length)
    if (!tag || tag.value < 8) return []
    pos = tag.next
    const wire = tag.value % 8
    if (wire === 0) {
      const v = readVarint(buf, pos, buf.length)
      if (!v) return []
      pos = v.next
    } else if (wire === 2) {
      const len = readVarint(buf, pos, buf.length)
      if (!len || len.next + len.value > buf.length) return []
      out.push({ start, valueStart: len.next, end: len.next + len.value })
      pos = len.next + len.value
    } else if (wire === 1) pos += 8
    else if (wire === 5) pos += 4
    else return []
  }
  return out
}

/**
 * Applies `mutation` to the value of one length-delimited field (a sample, a
 * location, a string...), possibly a field nested in it, and rewrites the
 * length prefixes around it: the framing still holds, so the mutation reaches
 * the decoding of what is inside.
 */
function mutateInside(
  r: Random,
  buf: Uint8Array,
  mutation: (inner: Uint8Array) => Uint8Array,
  depth = 0,
): Uint8Array {
  const framed = framedFields(buf)
  if (framed.length === 0) return mutation(buf)
  const f = pick(r, framed)
  const value = buf.subarray(f.valueStart, f.end)
  const next = depth < 2 && r() < 0.4 ? mutateInside(r, value, mutation, depth + 1) : mutation(value)
  const tagEnd = readVarint(buf, f.start, buf.length)!.next
  const length = encodeVarint(BigInt(next.length))
  const out = new Uint8Array(buf.length - (f.end - tagEnd) + length.length + next.length)
  out.set(buf.subarray(0, tagEnd))
  out.set(length, tagEnd)
  out.set(next, tagEnd + length.length)
  out.set(buf.subarray(f.end), tagEnd + length.length + next.length)
  return out
}

export interface FuzzCase {
  /** Which real profile, which mutations, gzipped or not. */
  description: string
  bytes: Uint8Array
}

/**
 * Case `index` of `seed`: one to three mutations of one real profile (raw
 * protobuf), each either of the whole buffer or inside one field with the
 * framing kept; then gzipped one time in four. One case in eight mutates the
 * gzip stream itself.
 */
export function fuzzCase(
  seed: number,
  index: number,
  profiles: readonly { name: string; raw: Uint8Array; gz: Uint8Array }[],
): FuzzCase {
  const r = random(seed ^ Math.imul(index + 1, 0x9e3779b1))
  const source = pick(r, profiles)
  const names = Object.keys(MUTATIONS)
  const raws = profiles.map((p) => p.raw)
  if (r() < 1 / 8) {
    const name = pick(r, ['bitflips', 'truncate', 'delete', 'insert'])
    return { description: `${source.name} gzip ${name}`, bytes: MUTATIONS[name]!(r, source.gz, raws) }
  }
  let bytes = source.raw
  const applied: string[] = []
  for (let n = 1 + int(r, 3); n > 0; n--) {
    const name = pick(r, names)
    const mutation = (b: Uint8Array): Uint8Array => MUTATIONS[name]!(r, b, raws)
    if (r() < 0.75) {
      bytes = mutateInside(r, bytes, mutation)
      applied.push(`${name}(inside)`)
    } else {
      bytes = mutation(bytes)
      applied.push(name)
    }
  }
  const zip = r() < 0.25
  return {
    description: `${source.name} ${applied.join('+')}${zip ? ' gzipped' : ''}`,
    bytes: zip ? gzipSync(bytes, { level: 1 }) : bytes,
  }
}
