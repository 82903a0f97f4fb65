import { describe, expect, it } from 'vitest'
import { ProtocolError, ResponseParser } from '../../src/load/response-parser.js'

const CL =
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{"time":"2025-01-01T00:00Z"}'.slice(
    0,
    -1,
  )
const CHUNKED =
  'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n5\r\nbcdef\r\n10;ext=1\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n'
const CLOSE = 'HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 3\r\n\r\nno\n'
const HTTP10 = 'HTTP/1.0 200 OK\r\n\r\nbody until close'
const NO_CONTENT = 'HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n'
const INTERIM =
  'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'

/** Feeds `text` in pieces cut at `cuts`; returns the end offset reported on the last piece. */
function feed(parser: ResponseParser, text: string, cuts: number[]): { ends: number[] } {
  const buf = Buffer.from(text, 'latin1')
  const ends: number[] = []
  let prev = 0
  for (const cut of [...cuts, buf.length]) {
    const piece = buf.subarray(prev, cut)
    prev = cut
    if (piece.length === 0) continue
    const end = parser.execute(piece)
    ends.push(end)
  }
  return { ends }
}

describe('ResponseParser', () => {
  it.each([
    ['content-length', CL, 200, true],
    ['chunked with extension and trailer', CHUNKED, 201, true],
    ['connection: close', CLOSE, 500, false],
    ['204 without body', NO_CONTENT, 204, true],
    ['1xx then the real answer', INTERIM, 200, true],
  ])('%s: complete at every split point', (_name, text, status, keepAlive) => {
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new ResponseParser()
      const { ends } = feed(p, text, [cut])
      expect(ends.slice(0, -1).every((e) => e === -1)).toBe(true)
      const lastPieceLength = cut === 0 || cut === text.length ? text.length : text.length - cut
      expect(ends.at(-1)).toBe(lastPieceLength)
      expect(p.status).toBe(status)
      expect(p.keepAlive).toBe(keepAlive)
    }
  })

  it('complete when fed one byte at a time', () => {
    for (const text of [CL, CHUNKED, INTERIM]) {
      const p = new ResponseParser()
      const { ends } = feed(
        p,
        text,
        Array.from({ length: text.length }, (_, i) => i),
      )
      expect(ends.filter((e) => e !== -1)).toEqual([1])
      expect(ends.at(-1)).toBe(1)
    }
  })

  it('parses consecutive responses on one connection', () => {
    const p = new ResponseParser()
    expect(p.execute(Buffer.from(CL))).toBe(CL.length)
    expect(p.execute(Buffer.from(CHUNKED))).toBe(CHUNKED.length)
    expect(p.status).toBe(201)
    expect(p.execute(Buffer.from(CL))).toBe(CL.length)
    expect(p.status).toBe(200)
  })

  it('reports where a response ends when more bytes follow it', () => {
    const p = new ResponseParser()
    expect(p.execute(Buffer.from(CL + 'HTTP/1.1'))).toBe(CL.length)
  })

  it('a HEAD response has no body whatever Content-Length says', () => {
    const p = new ResponseParser()
    p.expectNoBody = true
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n'
    expect(p.execute(Buffer.from(head))).toBe(head.length)
  })

  it('a body without length ends at close', () => {
    const p = new ResponseParser()
    expect(p.execute(Buffer.from(HTTP10))).toBe(-1)
    expect(p.endsAtClose).toBe(true)
    expect(p.keepAlive).toBe(false)
    expect(p.finishAtClose()).toBe(true)
    expect(p.status).toBe(200)
  })

  it('HTTP/1.0 keep-alive is honoured', () => {
    const p = new ResponseParser()
    const r = 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'
    expect(p.execute(Buffer.from(r))).toBe(r.length)
    expect(p.keepAlive).toBe(true)
  })

  it.each([
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n'],
    ['bad status', 'HTTP/1.1 abc OK\r\n\r\n'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ])('throws a ProtocolError on %s', (_name, text) => {
    expect(() => new ResponseParser().execute(Buffer.from(text))).toThrow(ProtocolError)
  })

  it('refuses an endless head', () => {
    const p = new ResponseParser()
    p.execute(Buffer.from('HTTP/1.1 200 OK\r\n'))
    expect(() => {
      for (let i = 0; i < 2000; i++) p.execute(Buffer.from(`X-Pad-${i}: ${'a'.repeat(40)}\r\n`))
    }).toThrow(/larger than 64 KiB/)
  })
})
