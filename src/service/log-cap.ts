// The service's log as the artifact keeps it: whole when small, else its head
// and its tail with a line saying what was cut. gin.Default() or a request
// logger writes a line per request: 100-200 MB a side at full load, most of it
// the same line, while start-up errors sit at the head and the crash at the tail.
import * as fs from 'node:fs'

export const LOG_CAP_BYTES = 8 * 1024 * 1024

/** Cuts the middle out of the log at `path` when it is over `maxBytes`; returns the bytes cut (0: kept whole). */
export function capLog(path: string, maxBytes = LOG_CAP_BYTES): number {
  let fd: number
  try {
    fd = fs.openSync(path, 'r')
  } catch {
    return 0
  }
  let head: Buffer
  let tail: Buffer
  let size: number
  try {
    size = fs.fstatSync(fd).size
    if (size <= maxBytes) return 0
    const half = Math.floor(maxBytes / 2)
    head = Buffer.alloc(half)
    tail = Buffer.alloc(half)
    fs.readSync(fd, head, 0, half, 0)
    fs.readSync(fd, tail, 0, half, size - half)
  } finally {
    fs.closeSync(fd)
  }
  // Whole lines only: the head ends after its last newline, the tail starts after its first.
  const headEnd = head.lastIndexOf(0x0a) + 1 || head.length
  const tailStart = tail.indexOf(0x0a) + 1
  const keptHead = head.subarray(0, headEnd)
  const keptTail = tail.subarray(tailStart)
  const cut = size - keptHead.length - keptTail.length
  const note = Buffer.from(
    `\n[memleak-action: ${cut} bytes cut from the middle of this ${size}-byte log; ` +
      `the first ${keptHead.length} and the last ${keptTail.length} bytes are kept]\n\n`,
  )
  const tmp = `${path}.capping`
  fs.writeFileSync(tmp, Buffer.concat([keptHead, note, keptTail]))
  fs.renameSync(tmp, path)
  return cut
}
