import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/model/errors.js'
import { encodeRequest, parseRequests } from '../../src/load/requests.js'
import { bucketOf, bucketRange, BUCKETS, quantile } from '../../src/load/histogram.js'

describe('parseRequests', () => {
  it('parses the design example', () => {
    expect(parseRequests('GET /time\nPOST /users {"name":"gopher"}\n')).toEqual([
      { method: 'GET', path: '/time' },
      { method: 'POST', path: '/users', body: '{"name":"gopher"}', contentType: 'application/json' },
    ])
  })

  it('skips blank and # lines, normalises the method, keeps the query and the whole body', () => {
    expect(parseRequests('\n# warm\n  get /a?b=1&c=2  \r\nPUT /x  a=1&b=2\nPATCH /t hello world \n')).toEqual(
      [
        { method: 'GET', path: '/a?b=1&c=2' },
        { method: 'PUT', path: '/x', body: 'a=1&b=2', contentType: 'application/x-www-form-urlencoded' },
        { method: 'PATCH', path: '/t', body: 'hello world', contentType: 'text/plain; charset=utf-8' },
      ],
    )
  })

  it.each([
    [
      'FETCH /x',
      1,
      /requests line 1: unknown method FETCH \(one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\)/,
    ],
    ['GET /ok\nGET time', 2, /requests line 2: the path must start with "\/"/],
    ['GET /ok\n\nGET http://example.com/', 3, /requests line 3: the path must start with "\/"/],
    ['GET', 1, /requests line 1: missing path/],
    ['POST /u {"name":', 1, /requests line 1: the body looks like JSON but does not parse/],
    ['HEAD /x body', 1, /requests line 1: a HEAD request has no body/],
  ])('%j fails naming line %i and the expected form', (text, _line, message) => {
    expect(() => parseRequests(text)).toThrow(UsageError)
    expect(() => parseRequests(text)).toThrow(message)
    expect(() => parseRequests(text)).toThrow('expected "METHOD /path [body]"')
  })

  it('an empty input is an error', () => {
    expect(() => parseRequests('')).toThrow(/requests: no request given; expected "METHOD \/path \[body\]"/)
    expect(() => parseRequests('\n  \n# only a comment\n')).toThrow(/no request given/)
  })
})

describe('encodeRequest', () => {
  it('builds a keep-alive HTTP/1.1 request with length and type', () => {
    const [get, post] = parseRequests('GET /time\nPOST /users {"name":"gö"}')
    expect(encodeRequest(get!, '127.0.0.1:8080').toString()).toBe(
      'GET /time HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: memleak-action\r\nAccept: */*\r\n\r\n',
    )
    const body = Buffer.from('{"name":"gö"}')
    expect(encodeRequest(post!, 'h').toString()).toBe(
      `POST /users HTTP/1.1\r\nHost: h\r\nUser-Agent: memleak-action\r\nAccept: */*\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n{"name":"gö"}`,
    )
  })

  it('sends Content-Length: 0 on a bodiless POST and percent-encodes non-ASCII paths', () => {
    const [post, get] = parseRequests('POST /ping\nGET /café')
    expect(encodeRequest(post!, 'h').toString()).toContain('\r\nContent-Length: 0\r\n\r\n')
    expect(encodeRequest(get!, 'h').toString()).toMatch(/^GET \/caf%C3%A9 HTTP\/1\.1\r\n/)
  })
})

describe('latency histogram', () => {
  it('buckets are contiguous and cover 0 µs .. 134 s with ≤ 1/16 relative width', () => {
    let expectedLow = 0
    for (let i = 0; i < BUCKETS; i++) {
      const [low, high] = bucketRange(i)
      expect(low).toBe(expectedLow)
      expect(bucketOf(low)).toBe(i)
      expect(bucketOf(high - 1)).toBe(i)
      if (low >= 16) expect((high - low) / low).toBeLessThanOrEqual(1 / 16)
      expectedLow = high
    }
    expect(bucketOf(1e12)).toBe(BUCKETS - 1)
    expect(bucketOf(-5)).toBe(0)
  })

  it('quantiles land within the bucket resolution', () => {
    const counts = new Array<number>(BUCKETS).fill(0)
    for (let us = 1; us <= 10_000; us++) counts[bucketOf(us)]!++
    expect(quantile(counts, 0.5)).toBeGreaterThan(5000 * 0.94)
    expect(quantile(counts, 0.5)).toBeLessThan(5000 * 1.06)
    expect(quantile(counts, 0.99)).toBeGreaterThan(9900 * 0.94)
    expect(quantile(counts, 1, 10_000)).toBeLessThanOrEqual(10_000)
    expect(quantile(new Array<number>(BUCKETS).fill(0), 0.5)).toBe(0)
  })
})
