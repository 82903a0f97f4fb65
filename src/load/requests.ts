// The `requests` input: one request a line, `METHOD /path [body]`. Parsed
// strictly, because a typo here would silently load the wrong endpoint (a 404
// handler allocates nothing and leaks nothing). Paths, headers and bodies may
// hold placeholders drawn per request (placeholders.ts).
import { UsageError } from '../model/errors.js'
import { compilePlaceholders, isFixed, sampleOf } from './placeholders.js'
import { renderPieces, renderRequest, type EncodedRequest, type Piece } from './template.js'

export interface LoadRequest {
  method: string
  /** Path and query, starting with '/'; may hold placeholders. */
  path: string
  body?: string
  contentType?: string
  /** Sent with this request, after the `headers` input's (a name given here replaces it there). */
  headers?: [name: string, value: string][]
}

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

const EXPECTED = 'expected "METHOD /path [body]", e.g. "GET /time" or "POST /users {"name":"gopher"}"'
const FORM = /^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$/
// Tab is whitespace between the words; every other control character is a mistake (a stray \r).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** Framing is the generator's: a user's value would make it misread the answers. */
const OWN_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade'])

/** Blank lines and lines starting with # are skipped; at least one request is required. */
export function parseRequests(text: string): LoadRequest[] {
  const requests: LoadRequest[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const fail = (why: string): never => {
      throw new UsageError(`requests line ${i + 1}: ${why}: ${JSON.stringify(line)}; ${EXPECTED}`)
    }
    const control = CONTROL.exec(line)
    if (control) fail(`control character ${JSON.stringify(control[0])} in the line`)
    // A placeholder in the path may hold spaces ({{$randomInt 1 9}}): it stays one word.
    const m = /^(\S+)(?:\s+((?:\{\{.*?\}\}|\S)+))?(?:\s+(.*))?$/.exec(line)!
    const path = m[2]
    if (path === undefined) checkMethod(m[1]!, fail)
    requests.push(checkRequest(m[1]!, path ?? '', m[3]?.trim() || undefined, fail))
  })
  if (requests.length === 0) throw new UsageError(`requests: no request given; ${EXPECTED}`)
  return requests
}

function checkMethod(word: string, fail: (why: string) => never): string {
  const method = word.toUpperCase()
  if (!(METHODS as readonly string[]).includes(method)) {
    fail(`unknown method ${word} (one of ${METHODS.join(', ')})`)
  }
  fail('missing path')
}

/**
 * A request's parts checked as the generator needs them (shared with request files):
 * a known method, a path on the service, placeholders that compile, a body that fits.
 */
export function checkRequest(
  word: string,
  path: string,
  body: string | undefined,
  fail: (why: string) => never,
  headers?: [string, string][],
): LoadRequest {
  const method = word.toUpperCase()
  if (!(METHODS as readonly string[]).includes(method)) {
    fail(`unknown method ${word} (one of ${METHODS.join(', ')})`)
  }
  if (path === '') fail('missing path')
  if (!path.startsWith('/')) {
    fail(`the path must start with "/" (requests go to the service at http://127.0.0.1:<port>)`)
  }
  if (CONTROL.test(path)) fail('control character in the path')
  const compiled = (what: string, text: string): Piece[] => {
    try {
      return compilePlaceholders(text)
    } catch (err) {
      return fail(`${(err as Error).message} in the ${what}`)
    }
  }
  compiled('path', path)
  if (body !== undefined && method === 'HEAD') fail('a HEAD request has no body')
  const request: LoadRequest = { method, path }
  if (headers?.length) {
    for (const [name, value] of headers) {
      checkHeader(name, value, fail)
      compiled(`${name} header`, value)
    }
    request.headers = headers
  }
  if (body !== undefined) {
    request.body = body
    const sample = sampleOf(compiled('body', body))
    const given = headers?.find(([name]) => name.toLowerCase() === 'content-type')
    request.contentType = given ? given[1] : contentTypeOf(sample, fail)
  }
  return request
}

/** A header the generator can send as it is: a token name, a value without control characters. */
export function checkHeader(name: string, value: string, fail: (why: string) => never): void {
  if (!TOKEN.test(name)) fail(`${JSON.stringify(name)} is not a header name`)
  if (OWN_HEADERS.has(name.toLowerCase())) {
    fail(`the ${name} header is the load generator's own (it keeps connections alive and frames the body)`)
  }
  if (CONTROL.test(value)) fail(`control character in the value of ${name}`)
}

/**
 * The `headers` input: `Name: value` a line, sent with every request; blank lines and
 * # comments are skipped. Values may hold placeholders.
 */
export function parseHeaderLines(text: string): [string, string][] {
  const headers: [string, string][] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const fail = (why: string): never => {
      throw new UsageError(
        `headers line ${i + 1}: ${why}; expected "Name: value", e.g. "Authorization: Bearer …"`,
      )
    }
    const colon = line.indexOf(':')
    if (colon <= 0) fail(`no "Name:" in ${JSON.stringify(line)}`)
    const name = line.slice(0, colon).trim()
    const value = line.slice(colon + 1).trim()
    checkHeader(name, value, fail)
    try {
      compilePlaceholders(value)
    } catch (err) {
      fail((err as Error).message)
    }
    headers.push([name, value])
  })
  return headers
}

function contentTypeOf(body: string, fail: (why: string) => never): string {
  if (body.startsWith('{') || body.startsWith('[')) {
    try {
      JSON.parse(body)
    } catch (err) {
      fail(`the body looks like JSON but does not parse (${(err as Error).message})`)
    }
    return 'application/json'
  }
  if (FORM.test(body)) return 'application/x-www-form-urlencoded'
  return 'text/plain; charset=utf-8'
}

/** Request and input headers merged: the request's own replace the input's of the same name. */
function headersOf(request: LoadRequest, common: readonly [string, string][]): [string, string][] {
  const own = request.headers ?? []
  const names = new Set(own.map(([n]) => n.toLowerCase()))
  return [...common.filter(([n]) => !names.has(n.toLowerCase())), ...own]
}

const percentEncode = (text: string): string => text.replace(/[^\x21-\x7e]+/g, (c) => encodeURIComponent(c))

/**
 * The request as the worker holds it: its bytes once and for all when nothing in it
 * varies, else its pieces, rendered per request (template.ts).
 */
export function compileRequest(
  request: LoadRequest,
  host: string,
  common: readonly [string, string][] = [],
): EncodedRequest {
  const headers = headersOf(request, common)
  const given = new Set(headers.map(([n]) => n.toLowerCase()))
  const head: Piece[] = [`${request.method} `, ...compilePlaceholders(request.path, percentEncode)]
  head.push(' HTTP/1.1\r\n')
  if (!given.has('host')) head.push(`Host: ${host}\r\n`)
  if (!given.has('user-agent')) head.push('User-Agent: memleak-action\r\n')
  if (!given.has('accept')) head.push('Accept: */*\r\n')
  for (const [name, value] of headers) head.push(`${name}: `, ...compilePlaceholders(value), '\r\n')
  const body = request.body === undefined ? undefined : compilePlaceholders(request.body)
  if (body && !given.has('content-type')) head.push(`Content-Type: ${request.contentType}\r\n`)
  else if (!body && ['POST', 'PUT', 'PATCH'].includes(request.method)) head.push('Content-Length: 0\r\n')
  const usesSeq = [...head, ...(body ?? [])].some((p) => typeof p !== 'string' && p.p === 'seq')
  const encoded: EncodedRequest = { head: join(head), ...(body ? { body: join(body) } : {}) }
  if (isFixed(head) && (!body || isFixed(body)))
    return { bytes: new Uint8Array(Buffer.from(renderRequest(encoded, 0))) }
  return usesSeq ? { ...encoded, usesSeq } : encoded
}

/** Adjacent fixed strings joined, so rendering concatenates as few parts as possible. */
function join(pieces: Piece[]): Piece[] {
  const out: Piece[] = []
  for (const p of pieces) {
    const last = out[out.length - 1]
    if (typeof p === 'string' && typeof last === 'string') out[out.length - 1] = last + p
    else if (p !== '') out.push(p)
  }
  return out
}

/** The bytes of one HTTP/1.1 keep-alive request without placeholders, built once and written many times. */
export function encodeRequest(request: LoadRequest, host: string): Buffer {
  const encoded = compileRequest(request, host)
  return Buffer.from(encoded.bytes ?? renderRequest(encoded, 0))
}

/** Where the readiness probe asks whether the service listens: the request's route, its placeholders drawn once. */
export function listenUrlFor(request: LoadRequest, origin: string): string {
  return origin + renderPieces(compilePlaceholders(request.path, percentEncode), 1)
}
