// The top level of a pprof profile: its framing checked, its fields counted
// against the budget before anything is decoded, and the samples split from
// the rest (pprof-format decodes the rest; samples.ts reads the samples).
import { ProfileError } from './profile-error.js'
import { FramingError, forEachField, type Field } from './wire.js'

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
export function splitTopLevel(
  raw: Uint8Array,
  budget: ProfileBudget,
): { rest: Uint8Array; samples: SampleRanges } {
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
export class SampleRanges {
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
