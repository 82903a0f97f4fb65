import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../../src/model/errors.js'
import { assertAllowedEnvName, parseEnvLines, serviceEnvironment } from '../../src/service/service-env.js'
import { startService } from '../../src/service/process.js'
import { BUILD_TIMEOUT_MS, buildFixtures, freePort } from './helpers.js'

const PARENT = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/runner',
  TMPDIR: '/tmp',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  USER: 'runner',
  GOGC: '200',
  GOMEMLIMIT: '1GiB',
  GOMAXPROCS: '2',
  GODEBUG: 'madvdontneed=1',
  GOTRACEBACK: 'all',
  GOEXPERIMENT: 'goroutineleakprofile',
  GOPROXY: 'https://user:hunter2@proxy.example.com',
  GOAUTH: 'netrc',
  GOFLAGS: '-mod=mod',
  SSL_CERT_FILE: '/etc/ssl/cert.pem',
  GITHUB_TOKEN: 'ghs_secret',
  GH_TOKEN: 'ghs_secret2',
  ACTIONS_RUNTIME_TOKEN: 'rt',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x',
  INPUT_GITHUB_TOKEN: 'ghs_secret3',
  RUNNER_TEMP: '/runner/_temp',
  GITHUB_WORKSPACE: '/work',
  AWS_SECRET_ACCESS_KEY: 'aws',
  NPM_CONFIG_USERCONFIG: '/x',
  UNDEFINED_ONE: undefined,
}

describe('serviceEnvironment', () => {
  it('keeps only the allowlist, the extra lines and PORT', () => {
    const env = serviceEnvironment(PARENT, { APP_MODE: 'bench', GOGC: 'off' }, 9123)
    expect(env).toEqual({
      PATH: '/usr/bin:/bin',
      HOME: '/home/runner',
      TMPDIR: '/tmp',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      USER: 'runner',
      GOGC: 'off',
      GOMEMLIMIT: '1GiB',
      GOMAXPROCS: '2',
      GODEBUG: 'madvdontneed=1',
      GOTRACEBACK: 'all',
      GOEXPERIMENT: 'goroutineleakprofile',
      SSL_CERT_FILE: '/etc/ssl/cert.pem',
      APP_MODE: 'bench',
      PORT: '9123',
    })
  })

  it.each(['DB_PASSWORD', 'SESSION_SECRET', 'MY_TOKEN', 'ClientSecret'])(
    "passes the service's own setting %s (the workflow gives it on purpose)",
    (name) => {
      expect(serviceEnvironment(PARENT, { [name]: 'v4lue' }, 8080)[name]).toBe('v4lue')
    },
  )

  it.each(['GITHUB_TOKEN', 'github_token', 'ACTIONS_RUNTIME_URL', 'INPUT_X', 'GITHUB_SHA', 'RUNNER_TEMP'])(
    'refuses a user env line naming %s',
    (name) => {
      expect(() => serviceEnvironment(PARENT, { [name]: 'x' }, 8080)).toThrow(UsageError)
      expect(() => serviceEnvironment(PARENT, { [name]: 'x' }, 8080)).toThrow(
        new RegExp(`env: ${name} is refused`),
      )
    },
  )

  it('refuses a PORT line that disagrees with the port input, accepts one that agrees', () => {
    expect(() => serviceEnvironment({}, { PORT: '1' }, 8080)).toThrow(
      /PORT=1 conflicts with the port input \(8080\)/,
    )
    expect(serviceEnvironment({}, { PORT: '8080' }, 8080)).toEqual({ PORT: '8080' })
  })

  it('assertAllowedEnvName refuses invalid names too', () => {
    expect(() => assertAllowedEnvName('1ABC')).toThrow(/not a valid variable name/)
    expect(() => assertAllowedEnvName('APP_MODE')).not.toThrow()
  })
})

describe('parseEnvLines', () => {
  it('parses KEY=VALUE lines, skipping blanks and comments', () => {
    const text =
      '# settings\nGOGC=50\n\n  APP_MODE = bench  \r\nQUOTED="a b=c"\nSINGLE=\'x\'\nEMPTY=\nGOGC=75\n'
    expect(parseEnvLines(text)).toEqual({
      GOGC: '75',
      APP_MODE: 'bench',
      QUOTED: 'a b=c',
      SINGLE: 'x',
      EMPTY: '',
    })
  })

  it('names the line of an invalid entry', () => {
    expect(() => parseEnvLines('A=1\n\nnot a pair\n')).toThrow(
      'env line 3: expected KEY=VALUE, got "not a pair"',
    )
    expect(() => parseEnvLines('A=1\n2BAD=x')).toThrow(/env line 2: expected KEY=VALUE/)
    expect(() => parseEnvLines('A=1\nGITHUB_TOKEN=x')).toThrow(/env line 2: GITHUB_TOKEN is refused/)
  })

  it('an empty input is no extra variables', () => {
    expect(parseEnvLines('')).toEqual({})
    expect(parseEnvLines('\n# nothing\n')).toEqual({})
  })
})

describe('the service sees only the scrubbed environment (envdump fixture)', () => {
  let fixtures: Awaited<ReturnType<typeof buildFixtures>>
  beforeAll(async () => {
    fixtures = await buildFixtures(['envdump'])
  }, BUILD_TIMEOUT_MS)
  afterAll(() => fixtures?.remove())

  it('has PORT and the env lines, never GITHUB_TOKEN, ACTIONS_*, INPUT_*', async () => {
    const saved = { ...process.env }
    Object.assign(process.env, {
      GITHUB_TOKEN: 'ghs_leak',
      ACTIONS_RUNTIME_TOKEN: 'rt_leak',
      INPUT_GITHUB_TOKEN: 'in_leak',
      RUNNER_TRACKING_ID: 'r',
      SOME_OTHER: 'other',
    })
    const port = await freePort()
    const dump = join(fixtures.dir, 'env.txt')
    try {
      const env = serviceEnvironment(
        process.env,
        parseEnvLines(`ENV_DUMP_FILE=${dump}\nAPP_MODE=bench`),
        port,
      )
      const svc = await startService({
        binary: fixtures.bin('envdump'),
        args: [],
        cwd: fixtures.dir,
        env,
        logPath: join(fixtures.dir, 'envdump.log'),
        port,
        readyUrl: `http://127.0.0.1:${port}/time`,
        readyTimeoutMs: 10_000,
      })
      await svc.stop()
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
      Object.assign(process.env, saved)
    }
    expect(existsSync(dump)).toBe(true)
    const seen = Object.fromEntries(
      readFileSync(dump, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    )
    expect(seen.PORT).toBe(String(port))
    expect(seen.APP_MODE).toBe('bench')
    expect(seen.PATH).toBe(process.env.PATH)
    const names = Object.keys(seen)
    expect(names.filter((n) => /TOKEN|SECRET|PASSWORD|^ACTIONS_|^INPUT_|^GITHUB_|^RUNNER_/i.test(n))).toEqual(
      [],
    )
    expect(names).not.toContain('SOME_OTHER')
    expect(readFileSync(dump, 'utf8')).not.toMatch(/_leak/)
  })
})
