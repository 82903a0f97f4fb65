import { gunzipSync } from 'node:zlib'
import { Profile as PbProfile } from 'pprof-format'
import { ProfileError } from './errors.js'
import type { Frame, Func, Profile, Sample, ValueType } from './types.js'
import { fields, FramingError, Reader, type Field } from './wire.js'

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
 *
 * pprof-format decodes everything but the samples. Samples are most of a
 * profile's bytes and pprof-format allocates a Buffer view per varint there
 * (a 60k-sample heap profile took ~90% of its decode time in them), so they
 * are read here straight into stacks, with no intermediate objects.
 */
export function decodeProfile(bytes: Uint8Array, opts: DecodeOptions = {}): Profile {
  if (bytes.length === 0) throw new ProfileError('not a pprof profile: empty input')
  const raw = isGzip(bytes)
    ? gunzip(bytes, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES)
    : bytes
  if (raw.length === 0) throw new ProfileError('not a pprof profile: empty after gunzip')
  const { rest, samples } = splitTopLevel(raw)
  let pb: PbProfile
  try {
    pb = PbProfile.decode(rest)
  } catch (err) {
    throw new ProfileError(`not a pprof profile: ${errorText(err)}`, { cause: err })
  }
  try {
    return resolve(pb, raw, samples)
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
/** Profile fields that are varints; the others (but comment, 13, which may be packed) are length-delimited. */
const VARINT_FIELDS = new Set([7, 8, 9, 10, 12, 14, 15])

/**
 * Checks the top-level framing (pprof-format walks it without bounds checks:
 * a truncated profile would decode "successfully" into nonsense, and a tag
 * longer than one byte, a field number above 15, is misread), and splits the
 * samples from the rest. Unknown fields, which protobuf allows, are dropped.
 */
function splitTopLevel(raw: Uint8Array): { rest: Uint8Array; samples: Field[] } {
  let top: Field[]
  try {
    top = fields(raw, 0, raw.length, 'profile')
  } catch (err) {
    if (!(err instanceof FramingError)) throw err
    throw err.truncated
      ? new ProfileError(`truncated pprof profile: ${err.message}`)
      : notProfile(raw, err.message)
  }
  const samples: Field[] = []
  const keep: Field[] = []
  for (const f of top) {
    if (f.field > KNOWN_FIELDS) continue
    const wantVarint = VARINT_FIELDS.has(f.field)
    const ok = f.field === 13 ? f.wire === 0 || f.wire === 2 : f.wire === (wantVarint ? 0 : 2)
    if (!ok) throw notProfile(raw, `field ${f.field} has wire type ${f.wire}`)
    if (f.field === 2) samples.push(f)
    else keep.push(f)
  }
  const rest = new Uint8Array(keep.reduce((n, f) => n + f.end - f.start, 0))
  let at = 0
  for (const f of keep) {
    rest.set(raw.subarray(f.start, f.end), at)
    at += f.end - f.start
  }
  return { rest, samples }
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

function resolve(pb: PbProfile, raw: Uint8Array, sampleFields: readonly Field[]): Profile {
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
    // Which of two functions a location means would be a guess; pprof's CheckValid rejects it too.
    const prior = funcs.get(id)
    if (prior) {
      throw new ProfileError(
        `function ${id} defined twice (${prior.name}, ${str(f.name, `function ${id} name`)})`,
      )
    }
    const func: Func = {
      name: str(f.name, `function ${id} name`),
      systemName: str(f.systemName, `function ${id} system name`),
      filename: str(f.filename, `function ${id} filename`),
      startLine: int(f.startLine),
      index: interned.size,
    }
    const key = `${func.name}\0${func.systemName}\0${func.filename}\0${func.startLine}`
    const same = interned.get(key)
    if (same) funcs.set(id, same)
    else {
      interned.set(key, func)
      funcs.set(id, func)
    }
  }

  const locations = new LocationTable()
  const unsymbolized = new Map<number, Func>()
  for (const loc of pb.location) {
    const id = uint(loc.id)
    if (locations.get(id)) throw new ProfileError(`location ${id} defined twice`)
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
        const index = interned.size + unsymbolized.size
        func = { name: `0x${address.toString(16)}`, systemName: '', filename: '', startLine: 0, index }
        unsymbolized.set(address, func)
      }
      frames.push({ func, line: 0, address })
    }
    locations.set(id, frames)
  }

  const samples = decodeSamples(raw, sampleFields, sampleTypes.length, locations, strings)

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

/**
 * Frames by location id. Go numbers locations 1..n, so an array indexed by id
 * is the fast path; ids that are large or sparse go to a Map.
 */
class LocationTable {
  readonly #dense: (readonly Frame[] | undefined)[] = []
  readonly #sparse = new Map<number, readonly Frame[]>()

  set(id: number, frames: readonly Frame[]): void {
    const dense = this.#dense
    // Grown by push: a store far past the end would turn the array into a slow dictionary.
    if (Number.isInteger(id) && id >= 0 && id < dense.length + 1024) {
      while (dense.length < id) dense.push(undefined)
      dense[id] = frames
    } else this.#sparse.set(id, frames)
  }

  get(id: number): readonly Frame[] | undefined {
    return this.#dense[id] ?? this.#sparse.get(id)
  }
}

function locationFrames(locations: LocationTable, id: number): readonly Frame[] {
  const frames = locations.get(id)
  if (!frames) throw new ProfileError(`location ${id} referenced by sample but not defined`)
  return frames
}

/**
 * Reads Sample messages (location_id = 1, value = 2, label = 3) straight into
 * the model. Location ids go to a scratch buffer first so each stack is
 * allocated once at its final length: on a 60k-sample profile, growing stacks
 * by push cost about twice as much.
 */
function decodeSamples(
  raw: Uint8Array,
  sampleFields: readonly Field[],
  nTypes: number,
  locations: LocationTable,
  strings: readonly string[],
): Sample[] {
  const samples: Sample[] = new Array(sampleFields.length)
  const r = new Reader(raw)
  let ids = new Float64Array(256)
  const bad = (si: number, why: string): ProfileError =>
    new ProfileError(`malformed pprof profile: sample ${si}: ${why}`)
  const str = (i: number, si: number, what: string): string => {
    const s = strings[i]
    if (s === undefined) throw new ProfileError(`missing string table entry ${i} (${what} of sample ${si})`)
    return s
  }

  for (let si = 0; si < sampleFields.length; si++) {
    const f = sampleFields[si]!
    const end = f.end
    r.pos = f.valueStart
    let nIds = 0
    const values: number[] = []
    let text: Record<string, string> | undefined
    let numLabels: Record<string, number> | undefined

    while (r.pos < end) {
      const tag = r.uvarint()
      if (tag <= 0) throw bad(si, 'bad field tag')
      const field = Math.floor(tag / 8)
      const wire = tag % 8
      if ((field === 1 || field === 2) && (wire === 0 || wire === 2)) {
        // Repeated scalars: packed (wire 2) or one per tag (wire 0).
        let stop = end
        if (wire === 2) {
          const len = r.uvarint()
          stop = r.pos + len
          if (len < 0 || stop > end) throw bad(si, `field ${field} overruns the sample`)
        }
        do {
          if (field === 1) {
            const id = r.uvarint()
            if (id < 0 || r.pos > stop) throw bad(si, 'bad location id')
            if (nIds === ids.length) {
              const grown = new Float64Array(ids.length * 2)
              grown.set(ids)
              ids = grown
            }
            ids[nIds++] = id
          } else {
            const v = r.int64()
            if (v === undefined || r.pos > stop) throw bad(si, 'bad value')
            values.push(v)
          }
        } while (wire === 2 && r.pos < stop)
      } else if (field === 3 && wire === 2) {
        const len = r.uvarint()
        const stop = r.pos + len
        if (len < 0 || stop > end) throw bad(si, 'label overruns the sample')
        let key = 0
        let strIdx = 0
        let num = 0
        while (r.pos < stop) {
          const t = r.uvarint()
          if (t <= 0 || t % 8 !== 0) throw bad(si, 'bad label field')
          // num (3) is an int64; key (1), str (2) and num_unit (4) are string indexes.
          const v = t === 24 ? r.int64() : r.uvarint()
          if (v === undefined || (t !== 24 && v < 0)) throw bad(si, 'bad label value')
          if (t === 8) key = v
          else if (t === 16) strIdx = v
          else if (t === 24) num = v
        }
        const k = str(key, si, 'label key')
        if (strIdx !== 0) {
          // pprof allows repeated keys; Go writes one value per key. Keep the first.
          text ??= {}
          if (!(k in text)) text[k] = str(strIdx, si, 'label value')
        } else {
          numLabels ??= {}
          if (!(k in numLabels)) numLabels[k] = num
        }
      } else {
        skip(r, wire, end, () => bad(si, `bad field ${field}`))
      }
    }
    if (values.length !== nTypes) {
      throw new ProfileError(
        `sample ${si} has ${values.length} values, expected ${nTypes} (one per sample type)`,
      )
    }

    let stack: readonly Frame[]
    if (nIds === 0) stack = EMPTY_STACK
    else if (nIds === 1)
      stack = locationFrames(locations, ids[0]!) // shared with the location: read-only
    else {
      let n = 0
      for (let i = 0; i < nIds; i++) n += locationFrames(locations, ids[i]!).length
      const out = new Array<Frame>(n)
      let o = 0
      for (let i = 0; i < nIds; i++) {
        const frames = locations.get(ids[i]!)!
        for (let j = 0; j < frames.length; j++) out[o++] = frames[j]!
      }
      stack = out
    }
    const labels = text ?? EMPTY_LABELS
    samples[si] = numLabels ? { stack, values, labels, numLabels } : { stack, values, labels }
  }
  return samples
}

const EMPTY_STACK: readonly Frame[] = Object.freeze([])

function skip(r: Reader, wire: number, end: number, bad: () => ProfileError): void {
  if (wire === 0) {
    if (r.uvarint() < 0) throw bad()
  } else if (wire === 2) {
    const len = r.uvarint()
    if (len < 0) throw bad()
    r.pos += len
  } else if (wire === 1) r.pos += 8
  else if (wire === 5) r.pos += 4
  else throw bad()
  if (r.pos > end) throw bad()
}
