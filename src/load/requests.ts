// The `requests` input: one request a line, `METHOD /path [body]`. Parsed
// strictly, because a typo here would silently load the wrong endpoint (a 404
// handler allocates nothing and leaks nothing).
import { UsageError } from '../errors.js'

export interface LoadRequest {
  method: string
  /** Path and query, starting with '/'. */
  path: string
  body?: string
  contentType?: string
}

export const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

const EXPECTED = 'expected "METHOD /path [body]", e.g. "GET /time" or "POST /users {"name":"gopher"}"'
const FORM = /^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$/

/** Blank lines and lines starting with # are skipped; at least one request is required. */
export function parseRequests(text: string): LoadRequest[] {
  const requests: LoadRequest[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const fail = (why: string): never => {
      throw new UsageError(`requests line ${i + 1}: ${why}: "${line}"; ${EXPECTED}`)
    }
    const m = /^(\S+)(?:\s+(\S+))?(?:\s+(.*))?$/.exec(line)!
    const method = m[1]!.toUpperCase()
    const path = m[2]
    const body = m[3]?.trim() || undefined
    if (!(METHODS as readonly string[]).includes(method)) {
      fail(`unknown method ${m[1]} (one of ${METHODS.join(', ')})`)
    }
    if (path === undefined) fail('missing path')
    if (!path!.startsWith('/')) {
      fail(`the path must start with "/" (requests go to the service at http://127.0.0.1:<port>)`)
    }
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(path!)) fail('control character in the path')
    if (body !== undefined && method === 'HEAD') fail('a HEAD request has no body')
    const request: LoadRequest = { method, path: path! }
    if (body !== undefined) {
      request.body = body
      request.contentType = contentTypeOf(body, fail)
    }
    requests.push(request)
  })
  if (requests.length === 0) throw new UsageError(`requests: no request given; ${EXPECTED}`)
  return requests
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

/** The bytes of one HTTP/1.1 keep-alive request, built once and written many times. */
export function encodeRequest(request: LoadRequest, host: string): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8')
  const target = request.path.replace(/[^\x21-\x7e]+/g, (c) => encodeURIComponent(c))
  let head = `${request.method} ${target} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: memleak-action\r\nAccept: */*\r\n`
  if (body) head += `Content-Type: ${request.contentType}\r\nContent-Length: ${body.length}\r\n`
  else if (['POST', 'PUT', 'PATCH'].includes(request.method)) head += 'Content-Length: 0\r\n'
  head += '\r\n'
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1')
}
