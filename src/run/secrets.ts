// What the action masks in the log (core.setSecret) and what it never lets reach
// the service. Values given to the service are the workflow's (DB_PASSWORD for the
// job's database, a test user's bearer token): passed, and masked in case anything
// prints them. Values that cannot be secrets are not masked: the runner would
// otherwise star out every "100" or "true" in the log, request counts included.
import type { Inputs } from './inputs.js'

function worthMasking(value: string): boolean {
  return value.length >= 4 && !/^(\d{1,6}|true|false|yes|no|on|off)$/i.test(value)
}

/** `env` values and header values, and the credentials after an auth scheme ("Bearer <token>"). */
export function valuesToMask(inputs: Pick<Inputs, 'env' | 'headers'>): string[] {
  const values = new Set<string>()
  const add = (value: string): void => {
    if (worthMasking(value)) values.add(value)
  }
  for (const value of Object.values(inputs.env)) add(value)
  for (const [, value] of inputs.headers) {
    add(value)
    const credentials = /^[A-Za-z][\w-]*\s+(\S.*)$/.exec(value)
    if (credentials) add(credentials[1]!)
  }
  return [...values]
}

/** The GitHub token and the runner's own tokens: never given to the service, under any name. */
export function runnerSecrets(token: string, env: NodeJS.ProcessEnv): string[] {
  const names = ['GITHUB_TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN']
  return [token, ...names.map((n) => env[n] ?? '')].filter((v) => v.length >= 8)
}
