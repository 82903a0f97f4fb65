// One small GET for readiness polls and pprof scrapes. node:http with no agent:
// each call has its own connection, closed afterwards, so no pooled socket to the
// service outlives the call or shows up in its descriptor count.
import * as http from 'node:http'
import * as https from 'node:https'

export interface GetResult {
  status: number
  body: Buffer
  /** True when the body was cut at maxBytes. */
  truncated: boolean
}

export interface GetOptions {
  /** Whole-call deadline: connect, headers and body. */
  timeoutMs: number
  /** Stop reading past this many bytes (default 512 MiB). */
  maxBytes?: number
  signal?: AbortSignal
}

export class HttpTimeoutError extends Error {
  override name = 'HttpTimeoutError'
}

export function httpGet(url: string, options: GetOptions): Promise<GetResult> {
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  return new Promise<GetResult>((resolve, reject) => {
    let settled = false
    const finish = (err: Error | undefined, result?: GetResult): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      req.destroy()
      if (err) reject(err)
      else resolve(result!)
    }
    const onAbort = (): void => finish(options.signal?.reason ?? new Error('aborted'))
    const timer = setTimeout(
      () => finish(new HttpTimeoutError(`GET ${url} timed out after ${formatSeconds(options.timeoutMs)}`)),
      options.timeoutMs,
    )
    const req = client.get(target, { agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        if (size >= maxBytes) return
        chunks.push(chunk)
        size += chunk.length
        if (size >= maxBytes) {
          finish(undefined, {
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).subarray(0, maxBytes),
            truncated: true,
          })
        }
      })
      res.on('end', () =>
        finish(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks), truncated: false }),
      )
      res.on('error', (err) => finish(err))
      res.on('aborted', () => finish(new Error(`GET ${url}: connection closed before the body ended`)))
    })
    req.on('error', (err) => finish(err))
    if (options.signal?.aborted) onAbort()
    else options.signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`
}
