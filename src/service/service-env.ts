// The service is the PR's code: untrusted. It gets an allowlisted environment so
// that nothing the workflow holds (tokens, runner internals, action inputs) can
// reach it, even if a user's `env` line asks for it.
import { UsageError } from '../model/errors.js'

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

/**
 * What belongs to the runner and GitHub, never to the service: the token and runtime
 * credentials (GITHUB_TOKEN, ACTIONS_RUNTIME_TOKEN), the action's inputs (INPUT_GITHUB-TOKEN),
 * the workflow-command files (GITHUB_ENV, GITHUB_OUTPUT: writing them is code execution in
 * later steps) and the runner's internals. The service's own settings (DB_PASSWORD,
 * SESSION_SECRET for the job's throwaway database) are the workflow's to give.
 */
export const RUNNER_NAME = /^(GITHUB_|ACTIONS_|INPUT_|RUNNER_)/i
const VALID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Whether a name from our own environment is passed on to the service. */
export function isInheritedEnvName(name: string): boolean {
  if (RUNNER_NAME.test(name)) return false
  return INHERITED.has(name) || name.startsWith('LC_') || GO_RUNTIME.has(name)
}

/**
 * Throws a UsageError when the user's `env` input names a runner or GitHub variable:
 * refusing loudly beats passing the runner's credentials to untrusted code or silently
 * dropping a line the user wrote.
 */
export function assertAllowedEnvName(name: string): void {
  const why = refusal(name)
  if (why) throw new UsageError(`env: ${why}`)
}

function refusal(name: string): string | undefined {
  if (!VALID_NAME.test(name)) {
    return `"${name}" is not a valid variable name (letters, digits, _; not starting with a digit)`
  }
  if (RUNNER_NAME.test(name)) {
    return (
      `${name} is refused: names starting with GITHUB_, ACTIONS_, INPUT_ or RUNNER_ belong to the runner ` +
      `and GitHub and are never given to the service under test (it runs the pull request's code). ` +
      `Give the service its setting under its own name.`
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

/**
 * Throws when a value meant for the service holds one of `secrets` (the GitHub token,
 * the runner's runtime tokens) anywhere in it: the service runs the PR's code.
 */
export function assertNoRunnerSecret(
  where: string,
  values: Iterable<[name: string, value: string]>,
  secrets: readonly string[],
): void {
  const tokens = secrets.filter((s) => s.length >= 8)
  for (const [name, value] of values) {
    if (tokens.some((t) => value.includes(t))) {
      throw new UsageError(
        `${where}: the value of ${name} holds the workflow's GitHub token or a runner token; ` +
          `the service runs the pull request's code and never gets them`,
      )
    }
  }
}

/** `${PORT}` in `args` and `env` values becomes the port, for services that take their address from a flag. */
export function expandPort(text: string, port: number): string {
  return text.replaceAll('${PORT}', String(port))
}
