import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { INPUT_DEFAULTS, readInputs, type InputName } from '../../src/inputs.js'
import { parseArgs, parseDuration } from '../../src/inputs-parse.js'

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
      warmupMs: 10_000,
      connections: 16,
      failOn: ['new-leak', 'regression'],
      regressionThreshold: 0.1,
      comment: true,
      timeoutMs: 15 * 60_000,
    })
    expect(inputs.memProfileRate).toBe(65536)
  })

  it('derives pprof-url and ready-url from port', () => {
    const inputs = readInputs(given({ port: '9090' }))
    expect(inputs.pprofUrl).toBe('http://127.0.0.1:9090/debug/pprof')
    expect(inputs.readyUrl).toBe('http://127.0.0.1:9090/debug/pprof/')
  })

  it.each<[Partial<Record<InputName, string>>, string]>([
    [{ duration: 'abc' }, 'duration: expected a duration like 30s, 2m or 1m30s, got "abc"'],
    [{ duration: '0s' }, 'duration: must be longer than 0'],
    [{ warmup: '10' }, 'warmup: expected a duration'],
    [{ port: '70000' }, 'port: expected a whole number from 1 to 65535, got "70000"'],
    [{ connections: 'many' }, 'connections: expected a whole number'],
    [
      { 'fail-on': 'new-leak,leaks' },
      'fail-on: expected any of leak, new-leak, regression, none separated by commas, got "leaks"',
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
    [{ duration: '2s', snapshots: '10' }, 'snapshots: 10 snapshots in 2s leaves under 0.5 s'],
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
