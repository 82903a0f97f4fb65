import { gunzipSync } from 'node:zlib'
import { Profile as PbProfile } from 'pprof-format'
import { ProfileError } from './errors.js'
import { attachColumns, type SampleColumns } from './stacks.js'
import type { Frame, Func, Location, Profile, ValueType } from '../model/profile.js'
import { FramingError, forEachField, Reader, type Field } from './wire.js'
import { formatExactBytes } from '../model/format.js'

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024

export interface DecodeOptions {
  /** Cap on the gunzipped size, so a decompression bomb fails cleanly. Default 256 MiB. */
  maxDecompressedBytes?: number
  /** Caps on what one profile may hold (DEFAULT_BUDGET where not given). */
  budget?: Partial<ProfileBudget>
}

/**
 * What one profile may hold. A profile under the size cap can still be made of
 * millions of tiny samples (10 million gzip to 200 KiB), each costing far more
 * decoded than encoded; real Go heap profiles have at most some tens of
 * thousands of stacks, so these caps leave a wide margin and bound a profile's
 * decoded size to a few hundred MB.
 */
export interface ProfileBudget {
  samples: number
  locations: number
  functions: number
  strings: number
}

export const DEFAULT_BUDGET: ProfileBudget = {
  samples: 500_000,
  locations: 500_000,
  functions: 200_000,
  strings: 1_000_000,
}

/** profile.proto's field numbers of what the budget counts. */
const BUDGET_FIELDS: Record<number, keyof ProfileBudget> = {
  2: 'samples',
  4: 'locations',
  5: 'functions',
  6: 'strings',
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
  const { rest, samples } = splitTopLevel(raw, { ...DEFAULT_BUDGET, ...opts.budget })
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
      throw new ProfileError(`decompressed size exceeds ${formatExactBytes(max)}`, { cause: err })
    }
    if (code === 'Z_BUF_ERROR') throw new ProfileError('truncated gzip', { cause: err })
    throw new ProfileError(`corrupt gzip: ${errorText(err)}`, { cause: err })
  }
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
function splitTopLevel(raw: Uint8Array, budget: ProfileBudget): { rest: Uint8Array; samples: SampleRanges } {
  const samples = new SampleRanges()
  const keep: Field[] = []
  let keptBytes = 0
  const counts: Record<keyof ProfileBudget, number> = { samples: 0, locations: 0, functions: 0, strings: 0 }
  try {
    forEachField(raw, 0, raw.length, 'profile', (field, wire, start, valueStart, end) => {
      if (field > KNOWN_FIELDS) return
      const wantVarint = VARINT_FIELDS.has(field)
      const ok = field === 13 ? wire === 0 || wire === 2 : wire === (wantVarint ? 0 : 2)
      if (!ok) throw notProfile(raw, `field ${field} has wire type ${wire}`)
      // Counted before anything is decoded: over budget, nothing big is ever allocated.
      const counted = BUDGET_FIELDS[field]
      if (counted && ++counts[counted] > budget[counted]) {
        throw new ProfileError(
          `over budget: more than ${budget[counted].toLocaleString('en-US')} ${counted} in one profile ` +
            '(no real Go profile has that many; the service served something else)',
        )
      }
      if (field === 2) samples.push(valueStart, end)
      else {
        keep.push({ field, wire, start, valueStart, end })
        keptBytes += end - start
      }
    })
  } catch (err) {
    if (!(err instanceof FramingError)) throw err
    throw err.truncated
      ? new ProfileError(`truncated pprof profile: ${err.message}`)
      : notProfile(raw, err.message)
  }
  const rest = new Uint8Array(keptBytes)
  let at = 0
  for (const f of keep) {
    rest.set(raw.subarray(f.start, f.end), at)
    at += f.end - f.start
  }
  return { rest, samples }
}

/** Where each Sample message's value is in the raw profile: start and end offsets, pairwise. */
class SampleRanges {
  count = 0
  bounds = new Int32Array(2048)

  push(start: number, end: number): void {
    if (2 * this.count === this.bounds.length) {
      const grown = new Int32Array(this.bounds.length * 2)
      grown.set(this.bounds)
      this.bounds = grown
    }
    this.bounds[2 * this.count] = start
    this.bounds[2 * this.count + 1] = end
    this.count++
  }
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

function resolve(pb: PbProfile, raw: Uint8Array, sampleRanges: SampleRanges): Profile {
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
    const func: Func = Object.freeze({
      name: str(f.name, `function ${id} name`),
      systemName: str(f.systemName, `function ${id} system name`),
      filename: str(f.filename, `function ${id} filename`),
      startLine: int(f.startLine),
      index: interned.size,
    })
    const key = `${func.name}\0${func.systemName}\0${func.filename}\0${func.startLine}`
    const same = interned.get(key)
    if (same) funcs.set(id, same)
    else {
      interned.set(key, func)
      funcs.set(id, func)
    }
  }

  // The location table, in the order the profile defines locations; samples hold indexes into it.
  const table: Location[] = []
  const indexOf = new IdIndex()
  const unsymbolized = new Map<number, Func>()
  for (const loc of pb.location) {
    const id = uint(loc.id)
    if (indexOf.get(id) !== undefined) throw new ProfileError(`location ${id} defined twice`)
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
      frames.push(Object.freeze(frame))
    }
    if (n === 0) {
      // Unsymbolized: pprof names such a node by its address.
      let func = unsymbolized.get(address)
      if (!func) {
        const index = interned.size + unsymbolized.size
        func = Object.freeze({
          name: `0x${address.toString(16)}`,
          systemName: '',
          filename: '',
          startLine: 0,
          index,
        })
        unsymbolized.set(address, func)
      }
      frames.push(Object.freeze({ func, line: 0, address }))
    }
    indexOf.set(id, table.length)
    table.push(Object.freeze({ id, address, frames: Object.freeze(frames) }))
  }
  Object.freeze(table)

  const columns = decodeSamples(raw, sampleRanges, sampleTypes.length, table, indexOf, strings)

  const profile: Profile = {
    sampleTypes,
    samples: [], // replaced by attachColumns
    locations: table,
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
  attachColumns(profile, columns)
  return profile
}

/**
 * Location indexes by id. Go numbers locations 1..n, so an array indexed by id
 * is the fast path; ids that are large or sparse go to a Map.
 */
class IdIndex {
  readonly #dense: number[] = []
  readonly #sparse = new Map<number, number>()

  set(id: number, index: number): void {
    const dense = this.#dense
    // Grown by push: a store far past the end would turn the array into a slow dictionary.
    if (Number.isInteger(id) && id >= 0 && id < dense.length + 1024) {
      while (dense.length < id) dense.push(-1)
      dense[id] = index
    } else this.#sparse.set(id, index)
  }

  get(id: number): number | undefined {
    const i = this.#dense[id]
    return i !== undefined && i >= 0 ? i : this.#sparse.get(id)
  }
}

/** Labels shared by every sample that has the same ones (Go heap samples repeat a few "bytes" values). */
class Interned<V> {
  readonly #seen = new Map<string, Readonly<Record<string, V>>>()

  get(labels: Record<string, V>): Readonly<Record<string, V>> {
    let key = ''
    for (const k in labels) key += `${k}\0${String(labels[k])}\0`
    const seen = this.#seen.get(key)
    if (seen) return seen
    const frozen = Object.freeze(labels)
    this.#seen.set(key, frozen)
    return frozen
  }
}

/**
 * Reads Sample messages (location_id = 1, value = 2, label = 3) straight into
 * columns: the location indexes of all stacks in one Int32Array (counted
 * first, so it is allocated once at its size), all values in one
 * Float64Array, labels interned.
 */
function decodeSamples(
  raw: Uint8Array,
  ranges: SampleRanges,
  nTypes: number,
  table: readonly Location[],
  indexOf: IdIndex,
  strings: readonly string[],
): SampleColumns {
  const count = ranges.count
  const bounds = ranges.bounds
  const offsets = new Int32Array(count + 1)
  let locs = new Int32Array(countLocationIds(raw, ranges))
  let nLocs = 0
  const values = new Float64Array(count * nTypes)
  // The samples point at this; locs is final once every sample is read.
  const columns: { -readonly [K in keyof SampleColumns]: SampleColumns[K] } = {
    table,
    locs,
    offsets,
    values,
    nTypes,
  }
  let labelsOf: Readonly<Record<string, string>>[] | undefined
  let numLabelsOf: (Readonly<Record<string, number>> | undefined)[] | undefined
  const textLabels = new Interned<string>()
  const numberLabels = new Interned<number>()
  // Go heap samples have one numeric label ("bytes"): those are shared without building an object each.
  const oneNumber = new Map<number, Map<number, Readonly<Record<string, number>>>>()
  let scratch = new Float64Array(Math.max(8, nTypes))
  const r = new Reader(raw)
  const bad = (si: number, why: string): ProfileError =>
    new ProfileError(`malformed pprof profile: sample ${si}: ${why}`)
  const str = (i: number, si: number, what: string): string => {
    const s = strings[i]
    if (s === undefined) throw new ProfileError(`missing string table entry ${i} (${what} of sample ${si})`)
    return s
  }

  for (let si = 0; si < count; si++) {
    const end = bounds[2 * si + 1]!
    r.pos = bounds[2 * si]!
    let nValues = 0
    let text: Record<string, string> | undefined
    let numLabels: Record<string, number> | undefined
    let nNumeric = 0
    let firstKey = 0
    let firstNum = 0

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
            const index = indexOf.get(id)
            if (index === undefined) {
              throw new ProfileError(`location ${id} referenced by sample but not defined`)
            }
            if (nLocs === locs.length) {
              // Only when the count missed some (it does not on a well-formed profile).
              const grown = new Int32Array(Math.max(1024, locs.length * 2))
              grown.set(locs)
              locs = grown
            }
            locs[nLocs++] = index
          } else {
            const v = r.int64()
            if (v === undefined || r.pos > stop) throw bad(si, 'bad value')
            if (nValues === scratch.length) {
              const grown = new Float64Array(scratch.length * 2)
              grown.set(scratch)
              scratch = grown
            }
            scratch[nValues++] = v
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
        } else if (nNumeric++ === 0) {
          firstKey = key
          firstNum = num
        } else {
          numLabels ??= { [str(firstKey, si, 'label key')]: firstNum }
          if (!(k in numLabels)) numLabels[k] = num
        }
      } else {
        skip(r, wire, end, () => bad(si, `bad field ${field}`))
      }
    }
    if (nValues !== nTypes) {
      throw new ProfileError(`sample ${si} has ${nValues} values, expected ${nTypes} (one per sample type)`)
    }
    values.set(scratch.subarray(0, nTypes), si * nTypes)
    let numeric: Readonly<Record<string, number>> | undefined
    if (numLabels) numeric = numberLabels.get(numLabels)
    else if (nNumeric === 1) {
      let byValue = oneNumber.get(firstKey)
      if (!byValue) oneNumber.set(firstKey, (byValue = new Map()))
      numeric = byValue.get(firstNum)
      if (!numeric) {
        numeric = numberLabels.get({ [str(firstKey, si, 'label key')]: firstNum })
        byValue.set(firstNum, numeric)
      }
    }
    if (text) {
      labelsOf ??= new Array<Readonly<Record<string, string>>>(count).fill(EMPTY_LABELS)
      labelsOf[si] = textLabels.get(text)
    }
    if (numeric) {
      numLabelsOf ??= new Array<Readonly<Record<string, number>> | undefined>(count).fill(undefined)
      numLabelsOf[si] = numeric
    }
    offsets[si + 1] = nLocs
  }
  columns.locs = nLocs === locs.length ? locs : locs.slice(0, nLocs)
  if (labelsOf) columns.labels = labelsOf
  if (numLabelsOf) columns.numLabels = numLabelsOf
  return columns
}

/**
 * How many location ids the samples hold, to size their column once: a
 * packed id ends at each byte below 0x80. A malformed sample is left to the
 * decoder, which says what is wrong with it.
 */
function countLocationIds(raw: Uint8Array, ranges: SampleRanges): number {
  const r = new Reader(raw)
  let n = 0
  for (let si = 0; si < ranges.count; si++) {
    const end = ranges.bounds[2 * si + 1]!
    r.pos = ranges.bounds[2 * si]!
    while (r.pos < end) {
      const tag = r.uvarint()
      if (tag <= 0) break
      const wire = tag % 8
      if (wire === 0) {
        if (r.uvarint() < 0) break
        if (tag === 8) n++
      } else if (wire === 2) {
        const len = r.uvarint()
        if (len < 0 || r.pos + len > end) break
        if (tag === 10) for (let p = r.pos, stop = r.pos + len; p < stop; p++) n += raw[p]! < 0x80 ? 1 : 0
        r.pos += len
      } else break
    }
  }
  return n
}

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
