// Request files as JetBrains' HTTP Client and VS Code's REST Client keep them
// (.http / .rest): requests separated by ### lines, each a request line, header
// lines, a blank line and a body; `@name = value` variables used as {{name}}.
// Teams already keep these next to their services, so the load can be the file.
// Scripts, file bodies and environment lookups are refused, not run: the file is
// the pull request's text.
import { UsageError } from '../model/errors.js'
import { checkRequest, type LoadRequest } from './requests.js'

const VARIABLE = /^@([A-Za-z_][\w.-]*)\s*=\s*(.*)$/
// The URL may hold placeholders with spaces inside the braces ({{$randomInt 1 9}}).
const REQUEST_LINE = /^(?:([A-Za-z]+)\s+)?((?:\{\{.*?\}\}|\S)+)(?:\s+HTTP\/[\d.]+)?$/
const HEADER = /^([^\s:]+)\s*:\s*(.*)$/
const MAX_DEPTH = 10
const MAX_REQUESTS = 1000

/** Replaces {{name}} by the file's variables (themselves expanded); {{$…}} placeholders stay for the generator. */
function expand(text: string, vars: Map<string, string>, fail: (why: string) => never, depth = 0): string {
  return text.replace(/\{\{\s*([^$}][^}]*?)\s*\}\}/g, (_, name: string) => {
    const value = vars.get(name)
    if (value === undefined)
      fail(`unknown variable {{${name}}} (define it in the file with @${name} = value)`)
    if (depth >= MAX_DEPTH) fail(`variable {{${name}}} refers to itself`)
    return expand(value!, vars, fail, depth + 1)
  })
}

/** The path and query of a request line's URL: the load always goes to the service on this machine. */
function pathOf(url: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url)
  if (!m) return url
  return m[1]!.startsWith('/') ? m[1]! : `/${m[1]!}`
}

interface Block {
  /** 1-based line of each line of the block, for messages. */
  lines: { text: string; no: number }[]
}

/**
 * Parses a request file. `name` is how messages refer to it (e.g. "requests-file
 * api.http (base)"); every error names the line.
 */
export function parseHttpFile(text: string, name: string): LoadRequest[] {
  const vars = new Map<string, string>()
  const blocks: Block[] = [{ lines: [] }]
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^###/.test(line)) blocks.push({ lines: [] })
    else blocks[blocks.length - 1]!.lines.push({ text: line, no: i + 1 })
  })
  const requests: LoadRequest[] = []
  for (const block of blocks) {
    const request = parseBlock(block, vars, name)
    if (request) requests.push(request)
  }
  // The report lists the load's requests, and a report holds at most 1000 of them.
  if (requests.length > MAX_REQUESTS) {
    throw new UsageError(`${name}: ${requests.length} requests; a request file holds at most ${MAX_REQUESTS}`)
  }
  if (requests.length === 0) {
    throw new UsageError(
      `${name}: no request in the file; expected requests like "GET /users" separated by ###`,
    )
  }
  return requests
}

function parseBlock(block: Block, vars: Map<string, string>, name: string): LoadRequest | undefined {
  let at = 0
  let no = block.lines[0]?.no ?? 1
  const fail = (why: string): never => {
    throw new UsageError(`${name} line ${no}: ${why}`)
  }
  const lines = block.lines
  // Before the request line: blank lines, comments (# or //, including # @name metadata) and variables.
  for (; at < lines.length; at++) {
    const line = lines[at]!.text.trim()
    no = lines[at]!.no
    if (line === '' || line.startsWith('#') || line.startsWith('//')) continue
    const v = VARIABLE.exec(line)
    if (!v) break
    vars.set(v[1]!, v[2]!.trim())
  }
  if (at >= lines.length) return undefined
  const requestLine = no
  const m = REQUEST_LINE.exec(expand(lines[at]!.text.trim(), vars, fail))
  if (!m) fail(`expected a request line like "GET /users" or "POST {{host}}/users HTTP/1.1"`)
  let url = m![2]!
  // VS Code's multi-line query: indented lines starting with ? or & continue the URL.
  for (at++; at < lines.length && /^\s+[?&]/.test(lines[at]!.text); at++) url += lines[at]!.text.trim()
  const headers: [string, string][] = []
  for (; at < lines.length; at++) {
    const line = lines[at]!.text.trim()
    no = lines[at]!.no
    if (line === '') break
    if (line.startsWith('#') || line.startsWith('//')) continue
    const h = HEADER.exec(line)
    if (!h)
      fail(`expected a header "Name: value" or a blank line before the body, got ${JSON.stringify(line)}`)
    headers.push([h![1]!, expand(h![2]!.trim(), vars, fail)])
  }
  const bodyLines: string[] = []
  for (at++; at < lines.length; at++) {
    const line = lines[at]!.text
    no = lines[at]!.no
    if (/^<\s+\S/.test(line))
      fail('bodies read from files ("< path") are not supported; put the body in the file')
    // Response handlers and response references run JavaScript or write files: not here.
    if (/^>>?!?\s|^<>\s/.test(line)) break
    bodyLines.push(line)
  }
  const body = bodyLines.join('\n').trim()
  no = requestLine
  return checkRequest(
    m![1] ?? 'GET',
    pathOf(url),
    body === '' ? undefined : expand(body, vars, fail),
    fail,
    headers,
  )
}
