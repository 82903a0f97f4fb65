// Every input of the action fed what an attacker (or a careless template like
// `${{ github.head_ref }}`) could put there: refused with the input's own one-line
// error, or kept as inert data, never passed on as an option or a command.
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/model/errors.js'
import {
  ACTION_INPUT_DEFAULTS,
  INPUT_DEFAULTS,
  readActionInputs,
  readInputs,
  type ActionInputName,
  type InputName,
} from '../../src/run/inputs.js'

type Name = InputName | ActionInputName
const ACTION = new Set(Object.keys(ACTION_INPUT_DEFAULTS))

function read(name: Name, raw: string): unknown {
  if (ACTION.has(name)) return readActionInputs((n) => (n === name ? raw : ''))
  return readInputs((n) => (n === name ? raw : ''))
}

function refusal(name: Name, raw: string): string {
  try {
    read(name, raw)
  } catch (error) {
    expect(error, `${name}=${JSON.stringify(raw)} threw a ${(error as Error).name}`).toBeInstanceOf(
      UsageError,
    )
    const message = (error as Error).message
    expect(message, 'one line').not.toMatch(/\n/)
    return message
  }
  throw new Error(`${name}=${JSON.stringify(raw)} was accepted`)
}

/** Values refused by each input, beyond the control characters every input refuses. */
const REFUSED: Partial<Record<Name, string[]>> = {
  package: [
    '-toolexec=/tmp/x.sh',
    '-ldflags=-X main.x=1',
    './cmd/api -o /etc/x',
    '/abs/path',
    '../outside',
    'a;b',
  ],
  'working-directory': ['/etc', '../..', 'cmd\napi'],
  'base-ref': ['--upload-pack=touch /tmp/pwned', '-c', 'main; rm -rf /', 'a\nb'],
  port: ['0', '65536', '-1', '1e3', '80\n81'],
  'pprof-url': ['http://example.com/debug/pprof', 'file:///etc/passwd', 'javascript:alert(1)'],
  'ready-url': ['http://169.254.169.254/latest/meta-data/'],
  'ready-timeout': ['-1s', '1e400s', '10'],
  duration: ['0s', '-5s'],
  warmup: ['-1s'],
  connections: ['0', '100000', '1.5'],
  snapshots: ['1', '1000'],
  'stop-early': ['maybe', '1; rm -rf /'],
  'min-leak': ['0', '-32', '2MiB', '32 bytes', '1e400'],
  'fail-on': ['leak;rm', 'none,leak', ''.padEnd(3, ',')],
  'regression-threshold': ['-10%', 'NaN', '1e400%'],
  memprofilerate: ['0', '-1', '99999999999'],
  comment: ['yes please', '1; drop'],
  'comment-id': ['a\nb'],
  timeout: ['-1m', 'forever'],
  trace: ['-3s'],
  'self-check': ['maybe'],
  'max-profile-size': ['1B', '99TiB', '-1MiB'],
  'memory-limit': ['1MiB', '-2GiB', 'lots', '2GB'],
  mode: ['full; rm -rf /', 'measure'],
  'check-name': ['x'.repeat(101), 'a\nb'],
  'delete-comment-when-clean': ['sure'],
  'comment-author': ['a b', '<script>', 'x[bot]y'],
  'upload-artifact': ['2'],
  'allow-untrusted-code': ['yes!', 'true\nfalse'],
  'requests-file': ['../../etc/passwd', '/etc/passwd'],
  rate: ['-1', '0', 'fast', '1e400'],
  'review-comments': ['maybe', 'true\nfalse'],
}

/** Hostile-looking values that are only data where they land: kept as is. */
const KEPT: [Name, string, (parsed: Record<string, unknown>) => unknown, unknown][] = [
  [
    'build-command',
    'make build && echo "::set-output name=leak::false"',
    (p) => p.buildCommand,
    'make build && echo "::set-output name=leak::false"',
  ],
  ['args', '--listen=:8080 $(touch /tmp/pwned)', (p) => p.args, ['--listen=:8080', '$(touch', '/tmp/pwned)']],
  ['comment-id', '--> <img src=x>', (p) => p.commentId, '--> <img src=x>'],
  ['base-ref', 'origin/main~1', (p) => p.baseRef, 'origin/main~1'],
  ['package', 'example.com/svc/cmd/api@v1', (p) => p.package, 'example.com/svc/cmd/api@v1'],
  ['memory-limit', 'none', (p) => p.memoryLimit, undefined],
  ['report-path', '../reports/$(id)', (p) => p.reportPath, '../reports/$(id)'],
  // The workflow's own trusted command (not the PR's): kept as the workflow wrote it.
  [
    'setup-command',
    'psql -f schema.sql && echo "::set-output name=leak::false"',
    (p) => p.setupCommand,
    'psql -f schema.sql && echo "::set-output name=leak::false"',
  ],
]

describe('every input against hostile values', () => {
  const names = [...Object.keys(INPUT_DEFAULTS), ...Object.keys(ACTION_INPUT_DEFAULTS)] as Name[]

  it('every input of the action has hostile cases here', () => {
    const covered = new Set<string>([
      ...Object.keys(REFUSED),
      ...KEPT.map(([n]) => n),
      'requests',
      'env',
      'headers',
      'github-token',
    ])
    expect(names.filter((n) => !covered.has(n))).toEqual([])
  })

  for (const name of names) {
    it(`${name}: a NUL or an escape character is refused, naming the input`, () => {
      for (const raw of ['a\u0000b', 'a\u001b[31mb'])
        expect(refusal(name, raw)).toMatch(new RegExp(`^${name}( line \\d+)?: `))
    })
  }

  for (const [name, values] of Object.entries(REFUSED) as [Name, string[]][]) {
    it(`${name}: refuses ${values.map((v) => JSON.stringify(v)).join(', ')}`, () => {
      for (const raw of values)
        expect(refusal(name, raw), JSON.stringify(raw)).toMatch(new RegExp(`^${name}: `))
    })
  }

  for (const [name, raw, pick, expected] of KEPT) {
    it(`${name}: ${JSON.stringify(raw)} is data, kept as is`, () => {
      expect(pick(read(name, raw) as Record<string, unknown>)).toEqual(expected)
    })
  }

  it('headers refuses framing and lines without a name, naming the line', () => {
    for (const raw of ['Transfer-Encoding: chunked', 'Content-Length: 0', 'X-A: 1\nHost', 'Authorization'])
      expect(refusal('headers', raw), JSON.stringify(raw)).toMatch(/^headers( line \d+)?: /)
  })

  it('package names what it expects, the way the issue found it abused', () => {
    expect(refusal('package', '-toolexec=/tmp/x.sh')).toBe(
      'package: expected a Go package path like ./cmd/api or example.com/svc/cmd/api, got "-toolexec=/tmp/x.sh"',
    )
  })

  it('memory-limit: auto is half the machine, a size is taken as given', () => {
    const auto = readInputs(() => '').memoryLimit!
    expect(auto).toBeGreaterThan(0)
    expect(readInputs((n) => (n === 'memory-limit' ? '2GiB' : '')).memoryLimit).toBe(2 * 1024 ** 3)
  })
})
