// Log-linear latency histogram in microseconds: values below 16 µs get a bucket
// each, above that every power of two is split into 16 buckets (about 6%
// resolution), up to 2^27 µs (134 s). Cheap enough to update per request from
// the load worker, straight into shared memory.

export const SUB_BUCKETS = 16
const SUB_BITS = 4
const MAX_EXPONENT = 27
export const BUCKETS = (MAX_EXPONENT - SUB_BITS + 1) * SUB_BUCKETS + SUB_BUCKETS

export function bucketOf(us: number): number {
  const v = us < 0 ? 0 : Math.floor(us)
  if (v < SUB_BUCKETS) return v
  const e = 31 - Math.clz32(v > 0x7fffffff ? 0x7fffffff : v)
  if (e > MAX_EXPONENT) return BUCKETS - 1
  return (e - SUB_BITS + 1) * SUB_BUCKETS + ((v >>> (e - SUB_BITS)) & (SUB_BUCKETS - 1))
}

/** [lowest, highest) microseconds of a bucket. */
export function bucketRange(index: number): [number, number] {
  if (index < SUB_BUCKETS) return [index, index + 1]
  const e = Math.floor(index / SUB_BUCKETS) + SUB_BITS - 1
  const sub = index % SUB_BUCKETS
  const width = 2 ** (e - SUB_BITS)
  const low = (SUB_BUCKETS + sub) * width
  return [low, low + width]
}

/**
 * The q-quantile (0..1) in microseconds: the middle of the bucket holding it,
 * capped at the exact maximum when known.
 */
export function quantile(counts: ArrayLike<number>, q: number, maxUs?: number): number {
  let total = 0
  for (let i = 0; i < counts.length; i++) total += counts[i]!
  if (total === 0) return 0
  const rank = Math.max(1, Math.ceil(q * total))
  let seen = 0
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!
    if (seen >= rank) {
      const [low, high] = bucketRange(i)
      const mid = i < SUB_BUCKETS ? low : (low + high) / 2
      return maxUs === undefined ? mid : Math.min(mid, maxUs)
    }
  }
  return maxUs ?? 0
}
