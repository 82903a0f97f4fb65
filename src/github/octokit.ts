// The GitHub client: @actions/github's Octokit (REST methods, pagination, the
// runner's proxy settings) with retries on 5xx, rate-limit handling and a
// deadline on every request, so a stuck API call cannot hang the job.
import { GitHub, defaults as actionsDefaults, getOctokitOptions } from '@actions/github/lib/utils'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'

const Client = GitHub.plugin(retry, throttling)
export type GitHubClient = InstanceType<typeof Client>

export interface ClientLog {
  debug(message: string): void
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export interface CreateOctokitOptions {
  /** REST API root; defaults to GITHUB_API_URL, then https://api.github.com. */
  baseUrl?: string
  /** Retries of a request that failed with 5xx or a network error (default 3). */
  retries?: number
  /** Wait before retry n is n² × this (default 1000 ms: 1 s, 4 s, 9 s). */
  retryAfterBaseMs?: number
  /** Deadline of one request, body included (default 30 s). */
  timeoutMs?: number
  /** Wait out primary and secondary rate limits up to this long (default 60 s); off when false. */
  throttle?: false | { maxWaitSeconds?: number }
  /** Where the client's own messages go (default: nowhere). */
  log?: ClientLog
  /** Masks the token in the job log (ActionsIO.setSecret in a runner); null or absent: not masked. */
  mask?: ((secret: string) => void) | null
}

const silent: ClientLog = { debug() {}, info() {}, warn() {}, error() {} }

type Fetch = typeof globalThis.fetch

/** Every request gets its own deadline; a timeout surfaces as a retryable error that names the request. */
export function fetchWithTimeout(base: Fetch, timeoutMs: number): Fetch {
  return async (input, init = {}) => {
    const deadline = AbortSignal.timeout(timeoutMs)
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline
    try {
      return await base(input, { ...init, signal })
    } catch (error) {
      if (deadline.aborted && !init.signal?.aborted) {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
        // Not an AbortError: octokit turns it into a 500, which the retry plugin retries.
        throw new Error(`timed out after ${timeoutMs} ms: ${init.method ?? 'GET'} ${new URL(url).pathname}`)
      }
      throw error
    }
  }
}

export function createOctokit(token: string, opts: CreateOctokitOptions = {}): GitHubClient {
  if (!token)
    throw new Error('github-token: empty; the comment needs a token (the default is ${{ github.token }})')
  opts.mask?.(token)
  const log = opts.log ?? silent
  const baseUrl = (opts.baseUrl || process.env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '')
  // @actions/github's fetch routes through the runner's proxy, decided for its own
  // API URL; any other host (a local stand-in, a second GHES) gets the plain fetch.
  const sameHost =
    new URL(baseUrl).origin === new URL(actionsDefaults.baseUrl ?? 'https://api.github.com').origin
  const baseFetch =
    (sameHost ? (actionsDefaults.request?.fetch as Fetch | undefined) : undefined) ?? globalThis.fetch
  const maxWait = opts.throttle === false ? 0 : (opts.throttle?.maxWaitSeconds ?? 60)
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const wait = retryCount < 2 && retryAfter <= maxWait
      log.warn(
        `GitHub ${kind} rate limit on ${options.method} ${options.url}: ${wait ? `retrying in ${retryAfter} s` : 'giving up'}`,
      )
      return wait
    }
  return new Client(
    getOctokitOptions(token, {
      baseUrl,
      log,
      request: { fetch: fetchWithTimeout(baseFetch, opts.timeoutMs ?? 30_000) },
      retry: { retries: opts.retries ?? 3, retryAfterBaseValue: opts.retryAfterBaseMs ?? 1000 },
      throttle: {
        enabled: opts.throttle !== false,
        onRateLimit: onLimit('primary'),
        onSecondaryRateLimit: onLimit('secondary'),
      },
    }),
  )
}
