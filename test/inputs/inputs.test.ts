import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { INPUT_DEFAULTS, readInputs, type InputName } from '../../src/run/inputs.js'
import { formatDuration, parseArgs, parseDuration, parseSize } from '../../src/run/input-parsers.js'

const given =
  (values: Partial<Record<InputName, string>>) =>
  (name: InputName): string =>
    values[name] ?? ''

describe('readInputs', () => {
  it('gives the documented defaults when nothing is set', () => {
    const inputs = readInputs(given({}))
    expect(inputs).toMatchObject({
      workingDirectory: '.',
      package: '.',
      port: 8080,
      pprofUrl: 'http://127.0.0.1:8080/debug/pprof',
      readyUrl: 'http://127.0.0.1:8080/debug/pprof/',
      requests: [{ method: 'GET', path: '/' }],
      durationMs: 60_000,
      warmupMs: 5_000,
      connections: 16,
      stopEarly: true,
      minLeak: 32,
      failOn: ['new-leak', 'regression', 'no-verdict'],
      regressionThreshold: 0.1,
      comment: true,
      timeoutMs: 15 * 60_000,
      requestsFile: '',
      headers: [],
      setupCommand: '',
      readyUrlGiven: false,
    })
    expect(inputs.rate).toBeUndefined()
    expect(inputs.memProfileRate).toBe(65536)
    expect(inputs.maxProfileBytes).toBe(256 * 1024 * 1024)
  })

  it('reads headers, rate, requests-file and setup-command', () => {
    const inputs = readInputs(
      given({
        headers: 'Authorization: Bearer t\nX-User: {{$seq}}',
        rate: '250/s',
        'requests-file': 'load/api.http',
        'setup-command': 'psql -c "truncate users"',
      }),
    )
    expect(inputs).toMatchObject({
      headers: [
        ['Authorization', 'Bearer t'],
        ['X-User', '{{$seq}}'],
      ],
      rate: 250,
      requestsFile: 'load/api.http',
      setupCommand: 'psql -c "truncate users"',
    })
  })

  it('derives pprof-url and ready-url from port', () => {
    const inputs = readInputs(given({ port: '9090' }))
    expect(inputs.pprofUrl).toBe('http://127.0.0.1:9090/debug/pprof')
    expect(inputs.readyUrl).toBe('http://127.0.0.1:9090/debug/pprof/')
  })

  it.each<[Partial<Record<InputName, string>>, string]>([
    [{ duration: 'abc' }, 'duration: expected a duration like 30s, 2m or 1m30s, got "abc"'],
    [{ rate: '0' }, 'rate: expected requests per second above 0, like 200 or 200/s, got "0"'],
    [{ rate: 'fast' }, 'rate: expected requests per second above 0'],
    [
      { rate: '0.5', 'stop-early': 'false' },
      'rate: 0.5 requests/s leaves under 10 requests between snapshots (6 in 60s); raise it',
    ],
    [{ headers: 'Authorization' }, 'headers line 1: no "Name:" in "Authorization"'],
    [{ 'requests-file': '../x.http' }, 'requests-file: expected a path inside the repository'],
    [
      { 'requests-file': 'api.http', requests: 'GET /a' },
      'requests-file: give either requests or requests-file',
    ],
    [{ requests: 'GET /a\rGET /b' }, 'requests line 1: control character "\\r" in the line'],
    [{ duration: '0s' }, 'duration: must be longer than 0'],
    [{ warmup: '10' }, 'warmup: expected a duration'],
    [{ port: '70000' }, 'port: expected a whole number from 1 to 65535, got "70000"'],
    [{ connections: 'many' }, 'connections: expected a whole number'],
    [
      { 'fail-on': 'new-leak,leaks' },
      'fail-on: expected any of leak, new-leak, regression, no-verdict, none separated by commas, got "leaks"',
    ],
    [{ 'fail-on': 'none,leak' }, 'fail-on: "none" cannot be combined'],
    [{ 'regression-threshold': 'ten' }, 'regression-threshold: expected a percentage like 10%'],
    [{ comment: 'maybe' }, 'comment: expected true or false, got "maybe"'],
    [{ 'pprof-url': 'http://10.0.0.5/debug/pprof' }, 'pprof-url: expected a loopback host'],
    [{ 'working-directory': '../elsewhere' }, 'working-directory: expected a path inside the repository'],
    [{ requests: 'GET time' }, 'requests line 1: the path must start with "/"'],
    [{ requests: 'GET /\nFETCH /x' }, 'requests line 2: unknown method FETCH'],
    [{ env: 'GITHUB_TOKEN=x' }, 'env line 1: GITHUB_TOKEN is refused'],
    [{ env: 'FOO' }, 'env line 1: expected KEY=VALUE'],
    [{ args: '--name "unterminated' }, 'args: unterminated " quote'],
    [
      { duration: '2s', snapshots: '10', 'stop-early': 'false' },
      'snapshots: 10 snapshots in 2s leaves under 0.5 s',
    ],
    [{ 'max-profile-size': 'x' }, 'max-profile-size: expected a size like 256MiB or 1GiB, got "x"'],
    // Decimal units are refused rather than guessed at.
    [{ 'max-profile-size': '256MB' }, 'max-profile-size: expected a size like 256MiB or 1GiB, got "256MB"'],
    [{ 'max-profile-size': '-1MiB' }, 'max-profile-size: expected a size like 256MiB or 1GiB, got "-1MiB"'],
    [{ 'max-profile-size': '0MiB' }, 'max-profile-size: expected a size from 1KiB to 4GiB, got "0MiB"'],
    [{ 'max-profile-size': '5GiB' }, 'max-profile-size: expected a size from 1KiB to 4GiB, got "5GiB"'],
  ])('rejects %j with a message naming the input', (values, message) => {
    expect(() => readInputs(given(values))).toThrow(message)
  })

  it('keeps action.yml and the defaults in step', () => {
    const yml = readFileSync(resolve(import.meta.dirname, '../../action.yml'), 'utf8')
    for (const [name, value] of Object.entries(INPUT_DEFAULTS)) {
      const block = new RegExp(`\\n  ${name}:\\n(?:    .*\\n)*?    default: (.*)\\n`).exec(yml)
      expect(block, `action.yml has input ${name}`).not.toBeNull()
      const declared = block![1].trim().replace(/^'(.*)'$/, '$1')
      expect(declared, `default of ${name}`).toBe(value)
    }
  })
})

describe('input scalars', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1.5s', 1500],
  ])('duration %s is %d ms', (text, ms) => {
    expect(parseDuration('d', text)).toBe(ms)
  })

  it.each([
    ['256MiB', 256 * 1024 ** 2],
    ['1GiB', 1024 ** 3],
    ['64KiB', 64 * 1024],
    ['1.5 MiB', 1.5 * 1024 ** 2],
    ['2048B', 2048],
  ])('size %s is %d bytes', (text, bytes) => {
    expect(parseSize('s', text, 1024, 4 * 1024 ** 3)).toBe(bytes)
  })

  it.each([
    [900_000, '15m'],
    [25_000, '25s'],
    [90_000, '1m30s'],
    [3_600_250, '1h250ms'],
    [0, '0ms'],
  ])('duration %d ms reads back as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
    if (ms > 0) expect(parseDuration('d', text)).toBe(ms)
  })

  it('splits args like a shell without expanding anything', () => {
    expect(parseArgs('args', `--addr :8080 --name "two words" 'it''s' a\\ b $HOME`)).toEqual([
      '--addr',
      ':8080',
      '--name',
      'two words',
      'its',
      'a b',
      '$HOME',
    ])
  })
})
