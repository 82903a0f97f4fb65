// Just enough of the protobuf wire format to check a profile's framing and to
// read its samples fast (see decode.ts for why samples are not left to pprof-format).
import { ProfileError } from './profile-error.js'

export interface Field {
  field: number
  wire: number
  /** Offset of the tag. */
  start: number
  /** Offset of the value (after the length prefix for wire type 2). */
  valueStart: number
  /** Offset just past the value. */
  end: number
}

/**
 * Reads unsigned varints from a buffer; `pos` advances. Values are exact below
 * 2^53; int64 fields use int64(), which also maps two's-complement negatives
 * (10-byte varints) to negative numbers.
 */
export class Reader {
  pos: number
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start
  }

  /** An unsigned varint, or -1 when it runs past `end` or over 10 bytes. */
  uvarint(): number {
    const buf = this.buf
    let pos = this.pos
    const end = this.end
    if (pos < end) {
      const b = buf[pos]!
      if (b < 0x80) {
        this.pos = pos + 1
        return b
      }
    }
    let value = 0
    let scale = 1
    for (let i = 0; i < 10; i++, pos++) {
      if (pos >= end) return -1
      const b = buf[pos]!
      value += (b & 0x7f) * scale
      if (b < 0x80) {
        this.pos = pos + 1
        return value
      }
      scale *= 128
    }
    return -1
  }

  /** An int64 varint as a number (negative values come as 10-byte two's complement), or undefined. */
  int64(): number | undefined {
    const start = this.pos
    const v = this.uvarint()
    if (v < 0) return undefined
    if (this.pos - start < 8) return v // below 2^49: exact as read
    let big = 0n
    for (let i = this.pos - 1; i >= start; i--) big = (big << 7n) | BigInt(this.buf[i]! & 0x7f)
    return Number(BigInt.asIntN(64, big))
  }
}

/** Walks the fields of one message; throws with `what` in the message when the framing is broken. */
export function fields(buf: Uint8Array, start: number, end: number, what: string): Field[] {
  const out: Field[] = []
  forEachField(buf, start, end, what, (field, wire, at, valueStart, fieldEnd) =>
    out.push({ field, wire, start: at, valueStart, end: fieldEnd }),
  )
  return out
}

/** fields() without a Field object per field (a profile has one per sample). */
export function forEachField(
  buf: Uint8Array,
  start: number,
  end: number,
  what: string,
  visit: (field: number, wire: number, start: number, valueStart: number, end: number) => void,
): void {
  const r = new Reader(buf, start, end)
  while (r.pos < end) {
    const at = r.pos
    const tag = r.uvarint()
    if (tag <= 0) throw new FramingError(`bad field tag in ${what} at byte ${at}`, r.pos >= end)
    const field = Math.floor(tag / 8)
    const wire = tag % 8
    if (field === 0) throw new FramingError(`field number 0 in ${what} at byte ${at}`, false)
    let valueStart = r.pos
    switch (wire) {
      case 0:
        if (r.uvarint() < 0)
          throw new FramingError(`varint of field ${field} of ${what} cut off at byte ${at}`, true)
        break
      case 2: {
        const len = r.uvarint()
        if (len < 0) throw new FramingError(`length of field ${field} of ${what} cut off at byte ${at}`, true)
        valueStart = r.pos
        r.pos += len
        if (r.pos > end) {
          throw new FramingError(
            `field ${field} of ${what} at byte ${at} needs ${len} bytes, ${end - valueStart} left`,
            true,
          )
        }
        break
      }
      case 1:
        r.pos += 8
        break
      case 5:
        r.pos += 4
        break
      default:
        throw new FramingError(`invalid wire type ${wire} in ${what} at byte ${at}`, false)
    }
    if (r.pos > end) throw new FramingError(`field ${field} of ${what} at byte ${at} cut off`, true)
    visit(field, wire, at, valueStart, r.pos)
  }
}

/** A framing problem; `truncated` when the data simply ends too soon. */
export class FramingError extends ProfileError {
  constructor(
    message: string,
    readonly truncated: boolean,
  ) {
    super(message)
  }
}
