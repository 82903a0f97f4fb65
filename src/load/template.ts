// Requests that vary: a request compiled into pieces, fixed text and
// placeholders, rendered anew for every request the load generator sends. The
// worker threads import this file, so it imports nothing from outside src/load.
import { randomUUID } from 'node:crypto'

/** A value drawn per request. `int` is in [min, max), as both REST clients draw it. */
export type Placeholder =
  { p: 'int'; min: number; max: number } | { p: 'uuid' } | { p: 'timestamp' } | { p: 'seq' }

export type Piece = string | Placeholder

/**
 * One request as the worker holds it: the whole bytes when nothing varies (the
 * fast path: written as they are), else the head and body as pieces.
 */
export interface EncodedRequest {
  bytes?: Uint8Array
  /** Request line and headers, each ending in CRLF, without the blank line that ends the head. */
  head?: Piece[]
  /** The body; undefined when the request has none. */
  body?: Piece[]
  /** Whether any piece is {{$seq}}: then the request draws the next number of the load's counter. */
  usesSeq?: boolean
}

function draw(piece: Placeholder, seq: number): string {
  switch (piece.p) {
    case 'int':
      return String(piece.min + Math.floor(Math.random() * (piece.max - piece.min)))
    case 'uuid':
      return randomUUID()
    case 'timestamp':
      return String(Math.floor(Date.now() / 1000))
    case 'seq':
      return String(seq)
  }
}

export function renderPieces(pieces: readonly Piece[], seq: number): string {
  let out = ''
  for (const piece of pieces) out += typeof piece === 'string' ? piece : draw(piece, seq)
  return out
}

/** The text of one request with fresh values: head, Content-Length when there is a body, blank line, body. */
export function renderRequest(request: EncodedRequest, seq: number): string {
  const head = renderPieces(request.head!, seq)
  if (!request.body) return `${head}\r\n`
  const body = renderPieces(request.body, seq)
  return `${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}
