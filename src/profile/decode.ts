import { gunzipSync } from 'node:zlib'
import { Profile as PbProfile } from 'pprof-format'
import { ProfileError } from './errors.js'
import type { Frame, Func, Profile, Sample, ValueType } from './types.js'

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024

export interface DecodeOptions {
  /** Cap on the gunzipped size, so a decompression bomb fails cleanly. Default 256 MiB. */
  maxDecompressedBytes?: number
}

type Numeric = number | bigint

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({})

/**
 * Decodes a pprof profile (gzipped or not) into the resolved model of types.ts.
 * Every failure is a ProfileError with a one-line message.
 */
export function decodeProfile(bytes: Uint8Array, opts: DecodeOptions = {}): Profile {
  if (bytes.length === 0) throw new ProfileError('not a pprof profile: empty input')
  const raw = isGzip(bytes)
    ? gunzip(bytes, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES)
    : bytes
  if (raw.length === 0) throw new ProfileError('not a pprof profile: empty after gunzip')
  const framed = checkFraming(raw)
  let pb: PbProfile
  try {
    pb = PbProfile.decode(framed)
  } catch (err) {
    throw new ProfileError(`not a pprof profile: ${errorText(err)}`, { cause: err })
  }
  try {
    return resolve(pb)
  } catch (err) {
    if (err instanceof ProfileError) throw err
    // A malformed nested message can surface as a TypeError deep in the resolver.
    throw new ProfileError(`malformed pprof profile: ${errorText(err)}`, { cause: err })
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

function gunzip(bytes: Uint8Array, max: number): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: max })
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProfileError(`decompressed size exceeds ${formatBytes(max)}`, { cause: err })
    }
    if (code === 'Z_BUF_ERROR') throw new ProfileError('truncated gzip', { cause: err })
    throw new ProfileError(`corrupt gzip: ${errorText(err)}`, { cause: err })
  }
}

function formatBytes(n: number): string {
  const MiB = 1024 * 1024
  if (n % MiB === 0) return `${n / MiB} MiB`
  if (n % 1024 === 0) return `${n / 1024} KiB`
  return `${n} bytes`
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Fields of the Profile message (profile.proto numbers them 1..15). */
const KNOWN_FIELDS = 15

/**
 * pprof-format walks the top-level message without bounds checks: a truncated
 * profile decodes "successfully" into nonsense, and a tag longer than one byte
 * (a field number above 15) is misread. So the framing is verified here first,
 * and unknown fields, which protobuf allows, are dropped before decoding.
 */
function checkFraming(buf: Uint8Array): Uint8Array {
  let pos = 0
  let unknown = false
  const keep: [number, number][] = []
  while (pos < buf.length) {
    const start = pos
    const tag = readVarint(buf, pos)
    if (!tag) throw notProfile(buf, `bad field tag at byte ${start}`)
    pos = tag.next
    const field = Math.floor(tag.value / 8)
    const wire = tag.value % 8
    if (field === 0) throw notProfile(buf, `field number 0 at byte ${start}`)
    switch (wire) {
      case 0: {
        const v = readVarint(buf, pos)
        if (!v) throw truncatedOrBad(buf, pos, `varint of field ${field}`)
        pos = v.next
        break
      }
      case 2: {
        const len = readVarint(buf, pos)
        if (!len) throw truncatedOrBad(buf, pos, `length of field ${field}`)
        pos = len.next + len.value
        if (pos > buf.length) {
          throw new ProfileError(
            `truncated pprof profile: field ${field} at byte ${start} needs ${len.value} bytes, ${buf.length - len.next} left`,
          )
        }
        break
      }
      case 1:
      case 5:
        // profile.proto has no fixed-width fields; only an unknown field may use them.
        if (field <= KNOWN_FIELDS) throw notProfile(buf, `field ${field} has wire type ${wire}`)
        pos += wire === 1 ? 8 : 4
        if (pos > buf.length)
          throw new ProfileError(`truncated pprof profile: field ${field} at byte ${start}`)
        break
      default:
        throw notProfile(buf, `invalid wire type ${wire} at byte ${start}`)
    }
    if (field > KNOWN_FIELDS) unknown = true
    else keep.push([start, pos])
  }
  if (!unknown) return buf
  const out = new Uint8Array(keep.reduce((n, [a, b]) => n + b - a, 0))
  let at = 0
  for (const [a, b] of keep) {
    out.set(buf.subarray(a, b), at)
    at += b - a
  }
  return out
}

/** Reads a varint as a float (exact below 2^53, which covers every length and tag). */
function readVarint(buf: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) return undefined
    const b = buf[pos + i]!
    value += (b & 0x7f) * scale
    scale *= 128
    if (b < 0x80) return { value, next: pos + i + 1 }
  }
  return undefined
}

function truncatedOrBad(buf: Uint8Array, pos: number, what: string): ProfileError {
  return pos >= buf.length || buf.length - pos < 10
    ? new ProfileError(`truncated pprof profile: ${what} cut off at byte ${pos}`)
    : notProfile(buf, `bad ${what} at byte ${pos}`)
}

/** "not a pprof profile", with the start of the input when it is text (an HTML error page, say). */
function notProfile(buf: Uint8Array, why: string): ProfileError {
  const head = buf.subarray(0, 40)
  const printable = head.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))
  const text = printable
    ? ` (input looks like text: ${JSON.stringify(Buffer.from(head).toString('latin1'))})`
    : ''
  return new ProfileError(`not a pprof profile: ${why}${text}`)
}

function int(v: Numeric): number {
  return typeof v === 'number' ? v : Number(BigInt.asIntN(64, v))
}

function uint(v: Numeric): number {
  return typeof v === 'number' ? v : Number(BigInt.asUintN(64, v))
}

function resolve(pb: PbProfile): Profile {
  const strings = pb.stringTable?.strings ?? []
  if (strings.length === 0) throw new ProfileError('not a pprof profile: no string table')
  if (strings[0] !== '') throw new ProfileError('not a pprof profile: string table entry 0 is not empty')
  const str = (i: Numeric, what: string): string => {
    const n = int(i)
    const s = strings[n]
    if (s === undefined) throw new ProfileError(`missing string table entry ${n} (${what})`)
    return s
  }
  const valueType = (v: { type: Numeric; unit: Numeric }, what: string): ValueType => ({
    type: str(v.type, `${what} type`),
    unit: str(v.unit, `${what} unit`),
  })

  const sampleTypes = pb.sampleType.map((v, i) => valueType(v, `sample type ${i}`))
  if (sampleTypes.length === 0) throw new ProfileError('not a pprof profile: no sample types')

  // One Func object per distinct function, so aggregation can key on identity.
  const funcs = new Map<number, Func>()
  const interned = new Map<string, Func>()
  for (const f of pb.function) {
    const id = uint(f.id)
    const func: Func = {
      name: str(f.name, `function ${id} name`),
      systemName: str(f.systemName, `function ${id} system name`),
      filename: str(f.filename, `function ${id} filename`),
      startLine: int(f.startLine),
    }
    const key = `${func.name}\0${func.systemName}\0${func.filename}\0${func.startLine}`
    const same = interned.get(key)
    if (same) funcs.set(id, same)
    else {
      interned.set(key, func)
      funcs.set(id, func)
    }
  }

  const locations = new Map<number, readonly Frame[]>()
  const unsymbolized = new Map<number, Func>()
  for (const loc of pb.location) {
    const id = uint(loc.id)
    const address = uint(loc.address)
    // Go's runtime/pprof (and pprof's profile package) write an inlined call as
    // one location whose line[] runs from the innermost inlined callee to the
    // function it was inlined into: line[0] is the leaf, the last line is the
    // physical caller. Our stacks are leaf first, so line order is frame order.
    // Checked on test/fixtures/profiles/goroutine.pb.gz, where one location holds
    // internal/sync.(*Mutex).Lock, sync.(*Mutex).Lock, main.parkGoroutines.func5.
    const frames: Frame[] = []
    const n = loc.line.length
    for (let i = 0; i < n; i++) {
      const line = loc.line[i]!
      const fid = uint(line.functionId)
      const func = funcs.get(fid)
      if (!func) throw new ProfileError(`function ${fid} referenced by location ${id} but not defined`)
      const frame: Frame = { func, line: int(line.line), address }
      if (i < n - 1) frame.inlined = true
      frames.push(frame)
    }
    if (n === 0) {
      // Unsymbolized: pprof names such a node by its address.
      let func = unsymbolized.get(address)
      if (!func) {
        func = { name: `0x${address.toString(16)}`, systemName: '', filename: '', startLine: 0 }
        unsymbolized.set(address, func)
      }
      frames.push({ func, line: 0, address })
    }
    locations.set(id, frames)
  }

  const nTypes = sampleTypes.length
  const samples: Sample[] = new Array(pb.sample.length)
  for (let si = 0; si < pb.sample.length; si++) {
    const s = pb.sample[si]!
    if (s.value.length !== nTypes) {
      throw new ProfileError(
        `sample ${si} has ${s.value.length} values, expected ${nTypes} (one per sample type)`,
      )
    }
    const values = new Array<number>(nTypes)
    for (let i = 0; i < nTypes; i++) values[i] = int(s.value[i]!)

    const ids = s.locationId
    let stack: readonly Frame[]
    if (ids.length === 1) {
      stack = locationFrames(locations, ids[0]!)
    } else {
      const out: Frame[] = []
      for (let i = 0; i < ids.length; i++) {
        const frames = locationFrames(locations, ids[i]!)
        for (let j = 0; j < frames.length; j++) out.push(frames[j]!)
      }
      stack = out
    }

    let labels = EMPTY_LABELS
    let numLabels: Record<string, number> | undefined
    if (s.label.length > 0) {
      const text: Record<string, string> = {}
      for (const l of s.label) {
        const key = str(l.key, `label key of sample ${si}`)
        const value = int(l.str)
        if (value !== 0) {
          // pprof allows repeated keys; Go writes one value per key. Keep the first.
          if (!(key in text)) text[key] = str(l.str, `label value of sample ${si}`)
        } else {
          numLabels ??= {}
          if (!(key in numLabels)) numLabels[key] = int(l.num)
        }
      }
      labels = text
    }
    samples[si] = numLabels ? { stack, values, labels, numLabels } : { stack, values, labels }
  }

  const profile: Profile = {
    sampleTypes,
    samples,
    period: int(pb.period),
    timeNanos: int(pb.timeNanos),
    durationNanos: int(pb.durationNanos),
  }
  if (pb.periodType) profile.periodType = valueType(pb.periodType, 'period type')
  const dst = int(pb.defaultSampleType)
  if (dst !== 0) profile.defaultSampleType = str(dst, 'default sample type')
  if (pb.comment.length > 0) profile.comments = pb.comment.map((c) => str(c, 'comment'))
  const main = pb.mapping[0]
  if (main) {
    const file = str(main.filename, 'mapping filename')
    const build = str(main.buildId, 'mapping build id')
    if (file) profile.mainBinary = file
    if (build) profile.buildId = build
  }
  return profile
}

function locationFrames(locations: Map<number, readonly Frame[]>, id: Numeric): readonly Frame[] {
  const n = uint(id)
  const frames = locations.get(n)
  if (!frames) throw new ProfileError(`location ${n} referenced by sample but not defined`)
  return frames
}
