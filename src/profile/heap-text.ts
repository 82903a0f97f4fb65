// The heap profile's totals from its text form (heap?debug=1), scaled as the
// protobuf form scales them: what the stopping rule reads after each snapshot
// while the load runs, where decoding the protobuf would take the service's CPU.

/** inuse_space and alloc_space summed over every record, in bytes, as pprof estimates them. */
export interface HeapTotals {
  inuseBytes: number
  allocBytes: number
}

// "count: bytes [count: bytes] @ addr...": in use, then allocated since the start.
const RECORD = /^(\d+): (\d+) \[(\d+): (\d+)\] @/
const HEADER = /^heap profile: .*@ heap\/(\d+)/

/**
 * runtime/pprof's scaleHeapSample: a record of `count` sampled objects of total `size` stands
 * for count / (1 - e^(-avg/rate)) objects, the chance that an object of the average size was
 * sampled being 1 - e^(-avg/rate).
 */
function scaled(count: number, size: number, rate: number): number {
  if (count === 0 || size === 0) return 0
  if (rate <= 1) return size
  return size / (1 - Math.exp(-size / count / rate))
}

/** A heap?debug=1 text read once: its totals, and the live bytes of each allocation stack. */
export interface HeapText extends HeapTotals {
  /**
   * Keyed by the stack's addresses ("0x4a1b2c 0x4a1d00 ..."), which stay the same for the life
   * of one process: the stopping rule follows single sites with it, as the final analysis will.
   */
  sites: Map<string, number>
}

/**
 * Reads a heap?debug=1 text in one pass, or undefined when it is not one. The header says the
 * rate as twice MemProfileRate ("@ heap/131072"), for the sake of early pprof readers.
 */
export function readHeapText(text: string | undefined): HeapText | undefined {
  if (!text) return undefined
  const firstLine = text.slice(0, text.indexOf('\n') >>> 0)
  const header = HEADER.exec(firstLine)
  if (!header) return undefined
  const rate = Number(header[1]) / 2
  let inuseBytes = 0
  let allocBytes = 0
  const sites = new Map<string, number>()
  let start = firstLine.length + 1
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    // Records start with a digit; the stack lines under them with '#'.
    const c = text.charCodeAt(start)
    if (c >= 48 && c <= 57) {
      const line = text.slice(start, end)
      const m = RECORD.exec(line)
      if (m) {
        const inuse = scaled(Number(m[1]), Number(m[2]), rate)
        inuseBytes += inuse
        allocBytes += scaled(Number(m[3]), Number(m[4]), rate)
        if (m[1] !== '0') {
          const key = line.slice(line.indexOf('@ ') + 2)
          sites.set(key, (sites.get(key) ?? 0) + inuse)
        }
      }
    }
    start = end + 1
  }
  return { inuseBytes: Math.round(inuseBytes), allocBytes: Math.round(allocBytes), sites }
}

/** inuse_space and alloc_space of a heap?debug=1 text, or undefined when it is not one. */
export function heapTextTotals(text: string | undefined): HeapTotals | undefined {
  const read = readHeapText(text)
  return read && { inuseBytes: read.inuseBytes, allocBytes: read.allocBytes }
}

/** Live bytes of each allocation stack of a heap?debug=1 text (readHeapText's sites). */
export function heapTextSites(text: string | undefined): Map<string, number> | undefined {
  return readHeapText(text)?.sites
}
