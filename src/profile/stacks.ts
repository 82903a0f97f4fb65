// How decoded samples hold their stacks and values: every stack of a profile
// back to back in one Int32Array of location indexes (into one shared
// location table), every value in one Float64Array. A Frame[] and a number[]
// per sample were most of a decoded heap profile's memory (60k samples, 20
// frames deep: 24 MB of a 31 MB profile); this is 4 bytes a location and 8 a value.
import type { Frame, Location, Profile, Sample } from '../model/profile.js'

/** The samples of one profile, column by column. */
export interface SampleColumns {
  /** The profile's location table. */
  readonly table: readonly Location[]
  /** Location indexes of all stacks, leaf first, back to back. */
  readonly locs: Int32Array
  /** Sample i's stack is locs[offsets[i]] up to locs[offsets[i + 1]]. */
  readonly offsets: Int32Array
  /** Sample i's values are values[i * nTypes] up to values[(i + 1) * nTypes]. */
  readonly values: Float64Array
  readonly nTypes: number
  /** Sample i's labels, when any sample has some (shared objects: samples repeat them). */
  readonly labels?: readonly Readonly<Record<string, string>>[]
  readonly numLabels?: readonly (Readonly<Record<string, number>> | undefined)[]
}

const EMPTY_STACK: readonly Frame[] = Object.freeze([])
const EMPTY_LOCATIONS = new Int32Array(0)

const EMPTY_LABELS: Readonly<Record<string, string>> = Object.freeze({})

/** A sample of a decoded profile: immutable; everything is read from the profile's columns. */
export class DecodedSample implements Sample {
  readonly #columns: SampleColumns
  readonly #index: number

  constructor(columns: SampleColumns, index: number) {
    this.#columns = columns
    this.#index = index
  }

  get labels(): Readonly<Record<string, string>> {
    return this.#columns.labels?.[this.#index] ?? EMPTY_LABELS
  }

  get numLabels(): Readonly<Record<string, number>> | undefined {
    return this.#columns.numLabels?.[this.#index]
  }

  /** A new array on every read. */
  get values(): readonly number[] {
    const { values, nTypes } = this.#columns
    const out = new Array<number>(nTypes)
    for (let i = 0, at = this.#index * nTypes; i < nTypes; i++) out[i] = values[at + i]!
    return out
  }

  get locations(): Int32Array {
    const { locs, offsets } = this.#columns
    const start = offsets[this.#index]!
    const end = offsets[this.#index + 1]!
    return start === end ? EMPTY_LOCATIONS : locs.subarray(start, end)
  }

  /** A new array on every read (but for one-location stacks, which share the location's frames). */
  get stack(): readonly Frame[] {
    const { locs, offsets, table } = this.#columns
    const start = offsets[this.#index]!
    const end = offsets[this.#index + 1]!
    if (start === end) return EMPTY_STACK
    if (end - start === 1) return table[locs[start]!]!.frames
    let n = 0
    for (let p = start; p < end; p++) n += table[locs[p]!]!.frames.length
    const out = new Array<Frame>(n)
    let o = 0
    for (let p = start; p < end; p++) {
      const frames = table[locs[p]!]!.frames
      for (let j = 0; j < frames.length; j++) out[o++] = frames[j]!
    }
    return out
  }

  /** What JSON.stringify showed of a sample when it was a plain object. */
  toJSON(): { stack: readonly Frame[]; values: readonly number[]; labels: object; numLabels?: object } {
    const { stack, values, labels, numLabels } = this
    return numLabels ? { stack, values, labels, numLabels } : { stack, values, labels }
  }
}

// Keyed by the decoded profile and by its samples array once made (frozen),
// so a profile copied with {...profile} keeps the fast path and one whose
// samples were filtered falls back to reading each sample.
const registry = new WeakMap<object, SampleColumns>()

/**
 * Gives a decoded profile its columns, and `samples` made from them on first
 * read: a diff of two large profiles reads only the columns and never makes
 * the 60k sample objects of each.
 */
export function attachColumns(profile: Profile, columns: SampleColumns): void {
  registry.set(profile, columns)
  let samples: readonly Sample[] | undefined
  Object.defineProperty(profile, 'samples', {
    enumerable: true,
    configurable: false,
    get(): readonly Sample[] {
      if (!samples) {
        const count = columns.offsets.length - 1
        const made = new Array<Sample>(count)
        for (let i = 0; i < count; i++) made[i] = new DecodedSample(columns, i)
        samples = Object.freeze(made)
        registry.set(samples, columns)
      }
      return samples
    },
  })
}

/**
 * A profile's samples as columns: the decoded ones when it is a decoded
 * profile (or has its samples), else built from each sample's stack (one
 * location per distinct Frame) and values.
 */
export function sampleColumns(profile: Profile): SampleColumns {
  const nTypes = profile.sampleTypes.length
  const known = registry.get(profile) ?? registry.get(profile.samples)
  if (known && known.nTypes === nTypes) return known
  const samples = profile.samples
  const table: Location[] = []
  const byFrame = new Map<Frame, number>()
  const offsets = new Int32Array(samples.length + 1)
  const values = new Float64Array(samples.length * nTypes)
  const ids: number[] = []
  for (let si = 0; si < samples.length; si++) {
    const sample = samples[si]!
    for (const frame of sample.stack) {
      let i = byFrame.get(frame)
      if (i === undefined) {
        i = table.length
        table.push({ id: i + 1, address: frame.address, frames: [frame] })
        byFrame.set(frame, i)
      }
      ids.push(i)
    }
    offsets[si + 1] = ids.length
    const vs = sample.values
    for (let t = 0; t < nTypes; t++) values[si * nTypes + t] = vs[t] ?? 0
  }
  return { table, locs: Int32Array.from(ids), offsets, values, nTypes }
}
