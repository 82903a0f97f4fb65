// The request-file parser and the placeholders, table-driven: the forms both
// REST clients write, and every refusal with the line it names.
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/model/errors.js'
import { parseHttpFile } from '../../src/load/http-file.js'
import { compilePlaceholders } from '../../src/load/placeholders.js'
import { compileRequest, parseHeaderLines, parseRequests } from '../../src/load/requests.js'
import { renderPieces, renderRequest } from '../../src/load/template.js'

const NAME = 'requests-file api.http (base)'

describe('parseHttpFile', () => {
  it.each([
    ['a bare request line is a GET', 'GET /time', [{ method: 'GET', path: '/time' }]],
    ['a URL without a method is a GET', 'http://localhost:8080/time', [{ method: 'GET', path: '/time' }]],
    [
      'an absolute URL keeps only its path and query; HTTP/1.1 is accepted',
      'GET https://api.example.com:8443/v1/users?page=2 HTTP/1.1',
      [{ method: 'GET', path: '/v1/users?page=2' }],
    ],
    [
      'headers, a blank line and a JSON body; content type from the header',
      'POST /users\nAuthorization: Bearer abc\nContent-Type: application/json\n\n{\n  "name": "gopher"\n}\n',
      [
        {
          method: 'POST',
          path: '/users',
          headers: [
            ['Authorization', 'Bearer abc'],
            ['Content-Type', 'application/json'],
          ],
          body: '{\n  "name": "gopher"\n}',
          contentType: 'application/json',
        },
      ],
    ],
    [
      '### separates requests; comments, names and CRLF are fine',
      '# @name first\r\nGET /a\r\n\r\n### second\r\n// a comment\r\nDELETE /b\r\n###\r\n',
      [
        { method: 'GET', path: '/a' },
        { method: 'DELETE', path: '/b' },
      ],
    ],
    [
      'variables, used in the URL, headers and body, and in other variables',
      '@host = http://localhost:8080\n@token = t0k\n@auth = Bearer {{token}}\n\nPUT {{host}}/items/1\nAuthorization: {{auth}}\n\nname={{token}}',
      [
        {
          method: 'PUT',
          path: '/items/1',
          headers: [['Authorization', 'Bearer t0k']],
          body: 'name=t0k',
          contentType: 'application/x-www-form-urlencoded',
        },
      ],
    ],
    [
      'placeholders stay for the generator, also through a variable',
      '@id = {{$randomInt 1 100}}\nGET /users/{{id}}?r={{$uuid}}\nX-Request-Id: {{$guid}}',
      [
        {
          method: 'GET',
          path: '/users/{{$randomInt 1 100}}?r={{$uuid}}',
          headers: [['X-Request-Id', '{{$guid}}']],
        },
      ],
    ],
    [
      "VS Code's multi-line query continues the URL",
      'GET /search\n    ?q=go\n    &page=1\nAccept: application/json',
      [{ method: 'GET', path: '/search?q=go&page=1', headers: [['Accept', 'application/json']] }],
    ],
    [
      'a JetBrains response handler ends the body and is not run',
      'POST /echo\n\nhello\n\n> {% client.global.set("x", response.body) %}\n',
      [{ method: 'POST', path: '/echo', body: 'hello', contentType: 'text/plain; charset=utf-8' }],
    ],
  ])('%s', (_what, text, expected) => {
    expect(parseHttpFile(text, NAME)).toEqual(expected)
  })

  it.each([
    ['', /requests-file api\.http \(base\): no request in the file/],
    ['### only\n# comments\n', /no request in the file/],
    ['GET /a\n\n###\nFETCH /b', /line 4: unknown method FETCH/],
    ['GET /users/{{id}}', /line 1: unknown variable \{\{id\}\} \(define it in the file with @id = value\)/],
    ['@a = {{b}}\n@b = {{a}}\nGET /{{a}}', /line 3: variable \{\{[ab]\}\} refers to itself/],
    [
      'GET /x\nAuthorization: {{$processEnv GITHUB_TOKEN}}',
      /line 1: \{\{\$processEnv GITHUB_TOKEN\}\} is refused/,
    ],
    [
      'GET /x?k={{$dotenv API_KEY}}',
      /\{\{\$dotenv API_KEY\}\} is refused: the load never reads the action's environment/,
    ],
    ['POST /x\n\n< ./body.json', /line 3: bodies read from files/],
    ['GET /x\nnot a header', /line 2: expected a header "Name: value"/],
    ['GET /x\nContent-Length: 5', /line 1: the Content-Length header is the load generator's own/],
    ['HEAD /x\n\nbody', /line 1: a HEAD request has no body/],
    ['POST /x\nContent-Type: text/plain\n\n{{$randomInt 5 5}}', /needs MIN below MAX/],
    [
      Array.from({ length: 1001 }, (_, i) => `GET /r${i}`).join('\n###\n'),
      /: 1001 requests; a request file holds at most 1000$/,
    ],
    ['GET /{{$random.alphabetic(3)}}', /unknown placeholder \{\{\$random\.alphabetic\(3\)\}\}; supported: /],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseHttpFile(text, NAME)).toThrow(UsageError)
    expect(() => parseHttpFile(text, NAME)).toThrow(message)
  })
})

describe('placeholders', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  it.each([
    ['{{$randomInt 10 13}}', (v: string) => ['10', '11', '12'].includes(v)],
    ['{{$random.integer(-2, 0)}}', (v: string) => ['-2', '-1'].includes(v)],
    ['{{ $random.integer() }}', (v: string) => Number(v) >= 0 && Number(v) < 1000],
    ['{{$guid}}', (v: string) => UUID.test(v)],
    ['{{$uuid}}', (v: string) => UUID.test(v)],
    ['{{$random.uuid}}', (v: string) => UUID.test(v)],
    ['{{$timestamp}}', (v: string) => Math.abs(Number(v) - Date.now() / 1000) < 5],
    ['{{$seq}}', (v: string) => v === '7'],
  ])('%s draws a fitting value every time', (text, fits) => {
    const pieces = compilePlaceholders(text)
    const drawn = Array.from({ length: 200 }, () => renderPieces(pieces, 7))
    for (const v of drawn) expect(fits(v), v).toBe(true)
  })

  it('random values vary from request to request, over the whole range', () => {
    const ints = new Set(
      Array.from({ length: 300 }, () => renderPieces(compilePlaceholders('{{$randomInt 0 3}}'), 0)),
    )
    expect([...ints].sort()).toEqual(['0', '1', '2'])
    const uuids = new Set(
      Array.from({ length: 100 }, () => renderPieces(compilePlaceholders('{{$uuid}}'), 0)),
    )
    expect(uuids.size).toBe(100)
  })

  it.each([
    ['{{$randomInt 1}}', /unknown placeholder/],
    ['{{$timestamp -1 d}}', /unknown placeholder/],
    ['{{$processEnv HOME}}', /is refused/],
    ['{{$env.GITHUB_TOKEN}}', /is refused/],
    ['{{name}}', /unknown variable \{\{name\}\}/],
  ])('%s is refused', (text, message) => {
    expect(() => compilePlaceholders(text)).toThrow(message)
  })
})

describe('requests input with placeholders and headers', () => {
  it('placeholders in the path, a header and the body render per request; fixed parts stay fixed', () => {
    const [req] = parseRequests('POST /users/{{$seq}} {"id":{{$randomInt 1 5}},"n":"{{$seq}}"}')
    const encoded = compileRequest(
      req!,
      'h',
      parseHeaderLines('X-Forwarded-For: 10.0.{{$randomInt 0 256}}.1'),
    )
    expect(encoded.bytes).toBeUndefined()
    expect(encoded.usesSeq).toBe(true)
    const text = renderRequest(encoded, 42)
    const [head, body] = text.split('\r\n\r\n')
    expect(head).toMatch(/^POST \/users\/42 HTTP\/1\.1\r\nHost: h\r\n/)
    expect(head).toMatch(/\r\nX-Forwarded-For: 10\.0\.\d{1,3}\.1\r\n/)
    expect(head).toContain('Content-Type: application/json')
    expect(JSON.parse(body!)).toEqual({ id: expect.any(Number), n: '42' })
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body!)}`)
  })

  it('a placeholder with spaces in the path stays part of the path', () => {
    expect(parseRequests('GET /u/{{$randomInt 1 9}}?t={{ $timestamp }} hello')).toEqual([
      {
        method: 'GET',
        path: '/u/{{$randomInt 1 9}}?t={{ $timestamp }}',
        body: 'hello',
        contentType: 'text/plain; charset=utf-8',
      },
    ])
  })

  it('a request without placeholders is encoded once, with the input headers; its own header wins', () => {
    const [req] = parseRequests('GET /me')
    const encoded = compileRequest({ ...req!, headers: [['accept', 'text/html']] }, 'h', [
      ['Authorization', 'Bearer x'],
      ['Accept', 'application/json'],
    ])
    expect(Buffer.from(encoded.bytes!).toString()).toBe(
      'GET /me HTTP/1.1\r\nHost: h\r\nUser-Agent: memleak-action\r\nAuthorization: Bearer x\r\naccept: text/html\r\n\r\n',
    )
  })

  it.each([
    ['GET /a\rGET /b', /requests line 1: control character "\\r" in the line/],
    ['GET /a\u0000', /requests line 1: control character "\\u0000" in the line/],
    ['GET /x {{$nope}}', /requests line 1: unknown placeholder \{\{\$nope\}\}; supported: .* in the body/],
    ['GET /u/{{user}}', /requests line 1: unknown variable \{\{user\}\}/],
    ['POST /u {"id":{{$randomInt 1 2}', /requests line 1: the body looks like JSON but does not parse/],
  ])('%j gets the input’s own one-line error', (text, message) => {
    expect(() => parseRequests(text)).toThrow(UsageError)
    expect(() => parseRequests(text)).toThrow(message)
  })

  it.each([
    ['Authorization Bearer x', /headers line 1: no "Name:" in/],
    ['Bad Name: x', /headers line 1: "Bad Name" is not a header name/],
    ['X-A: 1\nConnection: close', /headers line 2: the Connection header is the load generator's own/],
    ['X-A: {{$processEnv GITHUB_TOKEN}}', /headers line 1: \{\{\$processEnv GITHUB_TOKEN\}\} is refused/],
  ])('headers %j: %s', (text, message) => {
    expect(() => parseHeaderLines(text)).toThrow(UsageError)
    expect(() => parseHeaderLines(text)).toThrow(message)
  })

  it('headers: blank lines and comments skipped, values trimmed', () => {
    expect(parseHeaderLines('\n# auth\nAuthorization:  Bearer a:b \nX-Tenant: {{$randomInt 1 9}}\n')).toEqual(
      [
        ['Authorization', 'Bearer a:b'],
        ['X-Tenant', '{{$randomInt 1 9}}'],
      ],
    )
  })
})
