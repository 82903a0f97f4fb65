// A minimal HTTP/1.1 response parser for the load generator: it only needs the
// status, where the response ends (Content-Length, chunked, or connection close)
// and whether the connection stays open. Bodies are skipped, never copied.

const HEAD = 0
const BODY_LENGTH = 1
const CHUNK_SIZE = 2
const CHUNK_DATA = 3
const CHUNK_CRLF = 4
const TRAILER = 5
const BODY_UNTIL_CLOSE = 6

const CRLFCRLF = Buffer.from('\r\n\r\n')
const MAX_HEAD = 64 * 1024

export class ProtocolError extends Error {
  override name = 'ProtocolError'
}

export class ResponseParser {
  /** Status of the response being parsed or just completed. */
  status = 0
  /** False when the server said it will close the connection after this response. */
  keepAlive = true
  /** Set before each request: a HEAD response has no body whatever its headers say. */
  expectNoBody = false

  private state = HEAD
  private partial: Buffer | undefined
  private remaining = 0
  private line = ''

  /** Whether a response has started arriving (for telling a clean close from a cut). */
  get inProgress(): boolean {
    return this.state !== HEAD || this.partial !== undefined
  }

  /** Whether the response ends at connection close (no length, not chunked). */
  get endsAtClose(): boolean {
    return this.state === BODY_UNTIL_CLOSE
  }

  reset(): void {
    this.state = HEAD
    this.partial = undefined
    this.remaining = 0
    this.line = ''
  }

  /**
   * Consumes bytes from `buf` starting at `pos`. Returns the offset just after
   * the end of a complete response (then `status` and `keepAlive` describe it and
   * the parser is ready for the next one), or -1 when it needs more bytes.
   */
  execute(buf: Buffer, pos = 0): number {
    // Offsets into `data` (which may be a partial head joined with buf) map back to buf by `shift`.
    let data = buf
    let shift = 0
    for (;;) {
      if (this.state !== HEAD) {
        const done = this.body(data, pos)
        return done < 0 ? -1 : done + shift
      }
      if (pos >= data.length) return -1
      let from = pos
      let searchFrom = pos
      if (this.partial) {
        const before = this.partial
        data = Buffer.concat([before, data.subarray(pos)])
        shift = pos - before.length
        from = 0
        // The blank line may straddle the two pieces.
        searchFrom = Math.max(0, before.length - 3)
        this.partial = undefined
      }
      const at = data.indexOf(CRLFCRLF, searchFrom)
      if (at < 0) return this.keepPartial(data, from)
      pos = this.parseHead(data, from, at)
    }
  }

  /** The connection closed: completes a response that ends at close. */
  finishAtClose(): boolean {
    if (this.state !== BODY_UNTIL_CLOSE) return false
    this.reset()
    return true
  }

  private keepPartial(data: Buffer, from: number): number {
    if (data.length - from > MAX_HEAD) throw new ProtocolError('response head larger than 64 KiB')
    // Copy: the socket may reuse its buffer.
    this.partial = Buffer.from(data.subarray(from))
    return -1
  }

  /** Parses the head in data[from, at) and returns the offset of the body. */
  private parseHead(data: Buffer, from: number, at: number): number {
    const head = data.toString('latin1', from, at + 2)
    if (!head.startsWith('HTTP/1.'))
      throw new ProtocolError(`not an HTTP/1.x response: ${JSON.stringify(head.slice(0, 40))}`)
    const status = Number(head.slice(9, 12))
    if (!(status >= 100 && status < 600))
      throw new ProtocolError(`bad status line: ${JSON.stringify(head.split('\r\n')[0])}`)
    this.status = status
    const http10 = head.charCodeAt(7) === 48 // '0'
    const connection = /\r\nconnection:([^\r]*)/i.exec(head)?.[1]?.toLowerCase()
    this.keepAlive = http10
      ? connection?.includes('keep-alive') === true
      : connection?.includes('close') !== true
    const bodyStart = at + 4

    if (status < 200) {
      // An interim answer (100, 103): the real one follows for the same request.
      this.state = HEAD
      return bodyStart
    }
    if (status === 204 || status === 304 || this.expectNoBody) {
      this.state = BODY_LENGTH
      this.remaining = 0
      return bodyStart
    }
    if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
      this.state = CHUNK_SIZE
      this.line = ''
      return bodyStart
    }
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head)
    if (length) {
      this.state = BODY_LENGTH
      this.remaining = Number(length[1])
      return bodyStart
    }
    this.state = BODY_UNTIL_CLOSE
    this.keepAlive = false
    return bodyStart
  }

  /** Consumes body bytes; returns the offset after the response's end, or -1. */
  private body(buf: Buffer, pos: number): number {
    const end = buf.length
    for (;;) {
      switch (this.state) {
        case HEAD:
          return pos
        case BODY_LENGTH: {
          const take = Math.min(this.remaining, end - pos)
          this.remaining -= take
          pos += take
          if (this.remaining > 0) return -1
          this.state = HEAD
          return pos
        }
        case BODY_UNTIL_CLOSE:
          return -1
        case CHUNK_SIZE:
        case TRAILER: {
          const nl = buf.indexOf(10, pos) // '\n'
          if (nl < 0) {
            this.line += buf.toString('latin1', pos, end)
            if (this.line.length > 4096) throw new ProtocolError('chunk size line too long')
            return -1
          }
          const line = (this.line + buf.toString('latin1', pos, nl)).replace(/\r$/, '')
          this.line = ''
          pos = nl + 1
          if (this.state === TRAILER) {
            if (line === '') {
              this.state = HEAD
              return pos
            }
            continue
          }
          const size = parseInt(line, 16)
          if (!Number.isFinite(size) || size < 0 || !/^[0-9a-fA-F]/.test(line)) {
            throw new ProtocolError(`bad chunk size line: ${JSON.stringify(line.slice(0, 40))}`)
          }
          if (size === 0) this.state = TRAILER
          else {
            this.state = CHUNK_DATA
            this.remaining = size
          }
          continue
        }
        case CHUNK_DATA: {
          if (pos >= end) return -1
          const take = Math.min(this.remaining, end - pos)
          this.remaining -= take
          pos += take
          if (this.remaining > 0) return -1
          this.state = CHUNK_CRLF
          this.remaining = 2
          continue
        }
        case CHUNK_CRLF: {
          if (pos >= end) return -1
          const take = Math.min(this.remaining, end - pos)
          this.remaining -= take
          pos += take
          if (this.remaining > 0) return -1
          this.state = CHUNK_SIZE
          continue
        }
      }
    }
  }
}
