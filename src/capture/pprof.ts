// Scraping net/http/pprof: raw bytes only. Decoding waits until both sides are
// measured so that it never competes with the service for CPU.
import { httpGet, type GetResult } from '../service/http.js'

/** pprof is missing or answers something that is not pprof. */
export class PprofUnavailableError extends Error {
  override name = 'PprofUnavailableError'
}

export const PROFILE_TIMEOUT_MS = 30_000
export const DUMP_TIMEOUT_MS = 60_000
const DUMP_MAX_BYTES = 64 * 1024 * 1024

export function pprofHint(pprofUrl: string): string {
  return (
    `pprof is not served at ${pprofUrl}: import _ "net/http/pprof" ` +
    `(Gin: r.Any("/debug/pprof/*any", gin.WrapH(http.DefaultServeMux)))`
  )
}

/** Fails with a message that says how to fix it when heap?debug=1 is not a heap profile. */
export async function checkPprof(pprofUrl: string, signal?: AbortSignal): Promise<void> {
  const url = `${pprofUrl}/heap?debug=1`
  let res: GetResult
  try {
    res = await httpGet(url, { timeoutMs: PROFILE_TIMEOUT_MS, maxBytes: 4096, signal })
  } catch (err) {
    signal?.throwIfAborted()
    throw new PprofUnavailableError(`pprof at ${url} did not answer: ${(err as Error).message}`)
  }
  if (res.status === 404) throw new PprofUnavailableError(pprofHint(pprofUrl))
  if (res.status !== 200) throw new PprofUnavailableError(`pprof at ${url} answered HTTP ${res.status}`)
  if (!res.body.toString('latin1', 0, 64).startsWith('heap profile:')) {
    throw new PprofUnavailableError(
      `${url} answered 200 but not with a heap profile (a catch-all route?); ${pprofHint(pprofUrl)}`,
    )
  }
}

/** A profile that must be there: non-200 is an error. */
export async function fetchBytes(url: string, timeoutMs: number, signal?: AbortSignal): Promise<Uint8Array> {
  const res = await httpGet(url, { timeoutMs, signal })
  if (res.status !== 200) {
    throw new Error(`GET ${url} answered HTTP ${res.status}: ${res.body.toString('utf8', 0, 200).trim()}`)
  }
  // A copy: small Buffers share Node's pool, and consumers may look at .buffer.
  return new Uint8Array(res.body)
}

/** An optional profile or dump: undefined when it is not served (404) or fails. */
export async function fetchOptional(
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
  maxBytes = DUMP_MAX_BYTES,
): Promise<{ body?: Buffer; problem?: string }> {
  try {
    const res = await httpGet(url, { timeoutMs, signal, maxBytes })
    if (res.status === 404) return {}
    if (res.status !== 200) return { problem: `GET ${url} answered HTTP ${res.status}` }
    return { body: res.body, problem: res.truncated ? `GET ${url}: cut at ${maxBytes} bytes` : undefined }
  } catch (err) {
    signal?.throwIfAborted()
    return { problem: (err as Error).message }
  }
}
