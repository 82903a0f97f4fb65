// A bounded reader for the few small files we take from an untrusted artifact's
// zip. Nothing is extracted wholesale: the central directory is read, the wanted
// entries are inflated with a hard cap on their output, and links, encryption,
// zip64 and archives too large to be ours are refused. A zip bomb costs at most
// the cap; a link or a `../` name never reaches the file system.
import { open, type FileHandle } from 'node:fs/promises'
import { crc32, inflateRawSync } from 'node:zlib'

export interface ZipEntry {
  /** As stored: `/`-separated, relative (checked by the caller before use). */
  name: string
  method: number
  compressedSize: number
  size: number
  crc: number
  localOffset: number
  /** A symbolic link (Unix mode in the external attributes). */
  isLink: boolean
  isDirectory: boolean
  encrypted: boolean
}

export interface ZipReader {
  entries: ZipEntry[]
  /** The entry's bytes; throws when they would exceed maxBytes or fail the CRC. */
  read(entry: ZipEntry, maxBytes: number): Promise<Buffer>
  close(): Promise<void>
}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50
const EOCD_MIN = 22
/** The end record's comment is at most 65,535 bytes. */
const EOCD_SEARCH = EOCD_MIN + 0xffff
/** Far more entries than a run directory holds (a few per snapshot). */
const MAX_ENTRIES = 10_000
const MAX_CENTRAL_BYTES = 16 * 1024 * 1024

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length)
  const { bytesRead } = await file.read(buffer, 0, length, position)
  if (bytesRead !== length) throw new Error('truncated zip')
  return buffer
}

function parseCentral(dir: Buffer, count: number): ZipEntry[] {
  const entries: ZipEntry[] = []
  let at = 0
  for (let i = 0; i < count; i++) {
    if (at + 46 > dir.length || dir.readUInt32LE(at) !== CENTRAL) throw new Error('corrupt central directory')
    const madeBy = dir.readUInt16LE(at + 4) >> 8
    const flags = dir.readUInt16LE(at + 8)
    const nameLength = dir.readUInt16LE(at + 28)
    const extraLength = dir.readUInt16LE(at + 30)
    const commentLength = dir.readUInt16LE(at + 32)
    const external = dir.readUInt32LE(at + 38)
    if (at + 46 + nameLength > dir.length) throw new Error('corrupt central directory')
    const name = dir.toString('utf8', at + 46, at + 46 + nameLength)
    const entry: ZipEntry = {
      name,
      method: dir.readUInt16LE(at + 10),
      crc: dir.readUInt32LE(at + 16),
      compressedSize: dir.readUInt32LE(at + 20),
      size: dir.readUInt32LE(at + 24),
      localOffset: dir.readUInt32LE(at + 42),
      // Unix (3) and macOS (19) keep the file mode in the upper half of the external attributes.
      isLink: (madeBy === 3 || madeBy === 19) && ((external >>> 16) & 0o170000) === 0o120000,
      isDirectory: name.endsWith('/'),
      encrypted: (flags & 1) === 1,
    }
    if ([entry.compressedSize, entry.size, entry.localOffset].includes(0xffffffff))
      throw new Error('zip64 entries are not read (an artifact of ours is far smaller)')
    entries.push(entry)
    at += 46 + nameLength + extraLength + commentLength
  }
  return entries
}

/** Opens a zip and reads its central directory; the caller closes it. */
export async function openZip(path: string): Promise<ZipReader> {
  const file = await open(path, 'r')
  try {
    const size = (await file.stat()).size
    if (size < EOCD_MIN) throw new Error('not a zip (too short)')
    const tailLength = Math.min(size, EOCD_SEARCH)
    const tail = await readAt(file, size - tailLength, tailLength)
    let end = -1
    for (let i = tail.length - EOCD_MIN; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        end = i
        break
      }
    }
    if (end < 0) throw new Error('not a zip (no end of central directory)')
    const count = tail.readUInt16LE(end + 10)
    const centralSize = tail.readUInt32LE(end + 12)
    const centralOffset = tail.readUInt32LE(end + 16)
    if (count === 0xffff || centralOffset === 0xffffffff)
      throw new Error('zip64 archives are not read (an artifact of ours is far smaller)')
    if (count > MAX_ENTRIES) throw new Error(`${count} entries, more than ${MAX_ENTRIES}`)
    if (centralSize > MAX_CENTRAL_BYTES || centralOffset + centralSize > size)
      throw new Error('corrupt central directory')
    const entries = parseCentral(await readAt(file, centralOffset, centralSize), count)

    return {
      entries,
      async read(entry, maxBytes) {
        if (entry.encrypted) throw new Error(`${entry.name}: encrypted`)
        if (entry.size > maxBytes) throw new Error(`${entry.name}: ${entry.size} bytes, over ${maxBytes}`)
        // Deflate never grows data by more than a few bytes per 16 KiB block.
        if (entry.compressedSize > maxBytes + 1024 + maxBytes / 1000)
          throw new Error(`${entry.name}: ${entry.compressedSize} compressed bytes, over ${maxBytes}`)
        const local = await readAt(file, entry.localOffset, 30)
        if (local.readUInt32LE(0) !== LOCAL) throw new Error(`${entry.name}: corrupt local header`)
        const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28)
        if (start + entry.compressedSize > size) throw new Error(`${entry.name}: truncated`)
        const raw = await readAt(file, start, entry.compressedSize)
        let data: Buffer
        if (entry.method === 0) data = raw
        else if (entry.method === 8) {
          try {
            // The declared size is the attacker's word; the output cap is ours.
            data = inflateRawSync(raw, { maxOutputLength: maxBytes })
          } catch (error) {
            if (error instanceof RangeError) throw new Error(`${entry.name}: inflates past ${maxBytes} bytes`)
            throw new Error(`${entry.name}: ${(error as Error).message}`)
          }
        } else throw new Error(`${entry.name}: compression method ${entry.method} is not read`)
        if (data.length !== entry.size || crc32(data) !== entry.crc)
          throw new Error(`${entry.name}: size or CRC does not match the directory`)
        return data
      },
      close: () => file.close(),
    }
  } catch (error) {
    await file.close()
    throw error
  }
}
