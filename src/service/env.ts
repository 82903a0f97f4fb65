// The service is the PR's code: untrusted. It gets an allowlisted environment so
// that nothing the workflow holds (tokens, runner internals, action inputs) can
// reach it, even if a user's `env` line asks for it.
import { UsageError } from '../errors.js'

/** Names the service inherits from our environment when present. */
const INHERITED = new Set([
  'PATH',
  'HOME',
  'TMPDIR',
  'TMP',
  'TEMP',
  'LANG',
  'TZ',
  'USER',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
])

/**
 * Go runtime settings a running binary reads. An explicit list, not a GO* prefix:
 * GOOGLE_APPLICATION_CREDENTIALS and the module-fetch settings (GOPROXY with
 * user:token@, GOAUTH commands) start with GO too, and must not reach the PR's code.
 */
const GO_RUNTIME = new Set([
  'GOGC',
  'GOMEMLIMIT',
  'GOMAXPROCS',
  'GODEBUG',
  'GOTRACEBACK',
  'GORACE',
  'GOEXPERIMENT',
  'GOCOVERDIR',
  'GOROOT',
  'GOPATH',
  'GOCACHE',
  'GOTMPDIR',
])

const SECRET_NAME = /TOKEN|SECRET|PASSWORD|^ACTIONS_|^INPUT_|^GITHUB_/i
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Whether a name from our own environment is passed on to the service. */
export function isInheritedEnvName(name: string): boolean {
  if (SECRET_NAME.test(name)) return false
  return INHERITED.has(name) || name.startsWith('LC_') || GO_RUNTIME.has(name)
}

/**
 * Throws a UsageError when the user's `env` input names a variable that looks
 * like a credential or a runner/action internal: refusing loudly beats passing
 * a secret to untrusted code or silently dropping a line the user wrote.
 */
export function assertAllowedEnvName(name: string): void {
  const why = refusal(name)
  if (why) throw new UsageError(`env: ${why}`)
}

function refusal(name: string): string | undefined {
  if (!VALID_NAME.test(name)) {
    return `"${name}" is not a valid variable name (letters, digits, _; not starting with a digit)`
  }
  if (SECRET_NAME.test(name)) {
    return (
      `${name} is refused: names containing TOKEN, SECRET or PASSWORD, or starting with ACTIONS_, INPUT_ ` +
      `or GITHUB_, are never given to the service under test (it runs the pull request's code). ` +
      `Rename the variable, or give the service a dummy value under another name.`
    )
  }
  return undefined
}

/**
 * The service's whole environment: the allowlisted part of `parentEnv`, then the
 * user's `extra` lines (checked with assertAllowedEnvName), then PORT.
 */
export function serviceEnvironment(
  parentEnv: Record<string, string | undefined>,
  extra: Record<string, string>,
  port: number,
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(parentEnv)) {
    if (value !== undefined && isInheritedEnvName(name)) env[name] = value
  }
  for (const [name, value] of Object.entries(extra)) {
    assertAllowedEnvName(name)
    if (name === 'PORT' && value !== String(port)) {
      throw new UsageError(
        `env: PORT=${value} conflicts with the port input (${port}); set the port input instead`,
      )
    }
    env[name] = value
  }
  env.PORT = String(port)
  return env
}

/**
 * Parses the `env` input: one KEY=VALUE a line; blank lines and # comments are
 * skipped; spaces around KEY and VALUE are trimmed and one pair of matching
 * quotes around VALUE is removed. A later line for the same KEY wins.
 */
export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  const lines = text.split(/\r?\n/)
  lines.forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const eq = line.indexOf('=')
    const name = eq < 0 ? '' : line.slice(0, eq).trim()
    if (eq < 0 || !VALID_NAME.test(name)) {
      throw new UsageError(`env line ${i + 1}: expected KEY=VALUE, got "${line}"`)
    }
    const why = refusal(name)
    if (why) throw new UsageError(`env line ${i + 1}: ${why}`)
    let value = line.slice(eq + 1).trim()
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1)
    }
    env[name] = value
  })
  return env
}
