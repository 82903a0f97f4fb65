// The samples of a pprof profile, read straight from the protobuf bytes into
// columns (stacks.ts's SampleColumns): most of a profile's bytes, so no
// intermediate objects.
import { ProfileError } from './profile-error.js'
import type { SampleColumns } from './stacks.js'
import type { Location } from '../model/profile.js'
import { Reader } from './wire.js'
import type { SampleRanges } from './framing.js'

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({})

/**
 * Location indexes by id. Go numbers locations 1..n, so an array indexed by id
 * is the fast path; ids that are large or sparse go to a Map.
 */
export class IdIndex {
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
 *
 * One long loop on purpose (over 80 lines): it is the decoder's hot path, and
 * helpers per field cost a call and a closure per varint on 60k-sample profiles.
 */
export function decodeSamples(
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
