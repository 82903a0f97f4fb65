import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { startLoad } from '../../src/load/generator.js'
import { parseRequests } from '../../src/load/requests.js'
import { freePort } from '../service/helpers.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A real HTTP server on 127.0.0.1 whose routes exercise each way a response can end or fail. */
let server: http.Server
let port: number
const served: Record<string, number> = {}
const sockets = new Set<unknown>()
/** What /vary/ saw: the path, X-User and Authorization of each request. */
const varied: string[] = []
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const path = req.url ?? '/'
    served[path] = (served[path] ?? 0) + 1
    req.resume()
    if (path === '/ok') res.end('ok')
    else if (path === '/chunked') {
      res.write('a')
      setImmediate(() => res.end('bcdef'))
    } else if (path === '/close') {
      res.setHeader('Connection', 'close')
      res.end('bye')
    } else if (path === '/fail') {
      res.statusCode = 503
      res.end('unavailable')
    } else if (path === '/reset') req.socket.destroy()
    else if (path === '/echo') {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => res.end(`${req.headers['content-type']}|${Buffer.concat(chunks)}`))
    } else if (path.startsWith('/vary/')) {
      varied.push(`${path} ${req.headers['x-user'] ?? '-'} ${req.headers.authorization ?? '-'}`)
      res.end('ok')
    } else if (path === '/slow') {
      /* never answers */
    } else {
      res.statusCode = 404
      res.end()
    }
  })
  server.keepAliveTimeout = 60_000
  server.on('connection', (s) => sockets.add(s))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

function reset() {
  varied.length = 0
  for (const k of Object.keys(served)) delete served[k]
  sockets.clear()
}

describe('startLoad', () => {
  it('keeps N connections busy round-robin and counts exactly', async () => {
    reset()
    const load = await startLoad({
      port,
      requests: parseRequests('GET /ok\nGET /chunked\nHEAD /ok'),
      connections: 8,
    })
    await sleep(400)
    const mid = load.counts()
    expect(mid.requests).toBeGreaterThan(100)
    expect(mid.errors).toBe(0)
    const stats = await load.stop()
    const total = served['/ok']! + served['/chunked']!
    // Requests still in flight at stop are not counted: at most one per connection.
    expect(stats.requests).toBeLessThanOrEqual(total)
    expect(stats.requests).toBeGreaterThanOrEqual(total - 8)
    expect(stats.requests).toBeGreaterThanOrEqual(mid.requests)
    expect(stats.statusCounts).toEqual({ '200': stats.requests })
    expect(stats.errors).toBe(0)
    // Round-robin: /ok gets GET and HEAD, /chunked one line of three.
    expect(served['/ok']! / served['/chunked']!).toBeGreaterThan(1.6)
    expect(served['/ok']! / served['/chunked']!).toBeLessThan(2.4)
    expect(sockets.size).toBe(8)
    expect(stats.latencyMs.p50).toBeGreaterThan(0)
    expect(stats.latencyMs.p50).toBeLessThanOrEqual(stats.latencyMs.p90)
    expect(stats.latencyMs.p99).toBeLessThanOrEqual(stats.latencyMs.max)
    expect(stats.requestsPerSecond).toBeGreaterThan(0)
    expect(load.counts().requests).toBe(stats.requests)
    await load.stop() // idempotent
  })

  it('pipelines: writes several requests at once per connection and counts every answer, in order', async () => {
    reset()
    const load = await startLoad({
      port,
      requests: parseRequests('GET /ok\nGET /chunked\nHEAD /ok\nGET /fail'),
      connections: 4,
      pipeline: 4,
    })
    await sleep(400)
    const stats = await load.stop()
    const total = served['/ok']! + served['/chunked']! + served['/fail']!
    // At most `pipeline` requests per connection were in flight at stop, uncounted.
    expect(stats.requests).toBeLessThanOrEqual(total)
    expect(stats.requests).toBeGreaterThanOrEqual(total - 16)
    expect(stats.requests).toBeGreaterThan(100)
    // Every answer was matched to its request: a fourth were 503s, and the HEAD answers' missing bodies did not desync.
    expect(stats.statusCounts['503']! / stats.requests).toBeGreaterThan(0.2)
    expect(stats.statusCounts['503']! / stats.requests).toBeLessThan(0.3)
    expect(stats.statusCounts['200']! + stats.statusCounts['503']!).toBe(stats.requests)
    expect(stats.errors).toBe(stats.statusCounts['503'])
    expect(sockets.size).toBe(4)
  })

  it('pipelined requests behind an answer that closes the connection are neither counted nor errors', async () => {
    reset()
    const load = await startLoad({
      port,
      requests: parseRequests('GET /close\nGET /ok'),
      connections: 2,
      pipeline: 2,
    })
    await sleep(300)
    const stats = await load.stop()
    expect(stats.requests).toBeGreaterThan(10)
    expect(stats.errors).toBe(0)
    expect(stats.statusCounts).toEqual({ '200': stats.requests })
  })

  it('pause holds every new request until resume, with nothing left in flight; its time is not load time', async () => {
    reset()
    const load = await startLoad({ port, requests: parseRequests('GET /ok\nGET /chunked'), connections: 8 })
    await sleep(200)
    await load.pause()
    const held = load.counts()
    const servedAtPause = served['/ok']! + served['/chunked']!
    // Every request the server saw has been answered and counted: a snapshot now is exact.
    expect(held.requests).toBe(servedAtPause)
    await sleep(300)
    expect(load.counts()).toEqual(held)
    expect(served['/ok']! + served['/chunked']!).toBe(servedAtPause)
    load.resume()
    await sleep(200)
    expect(load.counts().requests).toBeGreaterThan(held.requests + 50)
    const stats = await load.stop()
    // About 400 ms of load in 700 ms of wall time.
    expect(stats.durationMs).toBeLessThan(600)
    expect(stats.errors).toBe(0)
  })

  it('resetStats restarts counts and duration', async () => {
    const load = await startLoad({ port, requests: parseRequests('GET /ok'), connections: 4 })
    await sleep(300)
    const before = load.counts().requests
    load.resetStats()
    expect(load.counts().requests).toBeLessThan(Math.max(10, before / 10))
    await sleep(300)
    const stats = await load.stop()
    expect(stats.requests).toBeGreaterThan(0)
    expect(stats.durationMs).toBeGreaterThanOrEqual(290)
    expect(stats.durationMs).toBeLessThan(1000)
  })

  it('sends bodies with their content type', async () => {
    reset()
    let answer = ''
    server.once('request', (req: http.IncomingMessage) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => (answer = `${req.headers['content-type']}|${Buffer.concat(chunks)}`))
    })
    const load = await startLoad({
      port,
      requests: parseRequests('POST /echo {"name":"gopher"}'),
      connections: 1,
    })
    await sleep(200)
    const stats = await load.stop()
    expect(answer).toBe('application/json|{"name":"gopher"}')
    expect(stats.errors).toBe(0)
  })

  it('counts non-2xx answers, resets, closes and timeouts as errors, with samples', async () => {
    reset()
    const load = await startLoad({
      port,
      requests: parseRequests('GET /ok\nGET /fail\nGET /close\nGET /reset\nGET /slow'),
      connections: 4,
      timeoutMs: 300,
    })
    await sleep(1200)
    const stats = await load.stop()
    expect(stats.statusCounts['503']).toBeGreaterThan(0)
    expect(stats.statusCounts['200']).toBeGreaterThan(0)
    expect(stats.statusCounts.error).toBeGreaterThan(0)
    expect(stats.errors).toBe(stats.statusCounts['503']! + stats.statusCounts.error!)
    expect(stats.requests).toBe(stats.statusCounts['200']! + stats.statusCounts['503']!)
    const samples = stats.errorSamples.join('\n')
    expect(samples).toContain('HTTP 503 from GET /fail')
    expect(samples).toMatch(/timeout after 300 ms on GET \/slow/)
    expect(samples).toMatch(/(ECONNRESET|connection closed) on GET \/reset/)
    expect(served['/close']).toBeGreaterThan(0) // Connection: close answers count, then reconnect
  })

  it('counts refused connections as errors and still stops', async () => {
    const closed = await freePort()
    const load = await startLoad({ port: closed, requests: parseRequests('GET /'), connections: 2 })
    await sleep(300)
    expect(load.counts().errors).toBeGreaterThan(0)
    const stats = await load.stop()
    expect(stats.requests).toBe(0)
    expect(stats.errorSamples[0]).toMatch(/ECONNREFUSED \(connect\) on GET \//)
  })

  it('ends by itself at the hard deadline', async () => {
    const load = await startLoad({
      port,
      requests: parseRequests('GET /ok'),
      connections: 2,
      deadlineMs: 300,
    })
    const t0 = Date.now()
    await load.ended
    expect(Date.now() - t0).toBeLessThan(2000)
    const n = load.counts().requests
    await sleep(100)
    expect(load.counts().requests).toBe(n)
    expect((await load.stop()).requests).toBe(n)
  })

  it('spreads connections over threads and sums their counters', async () => {
    reset()
    const load = await startLoad({ port, requests: parseRequests('GET /ok'), connections: 5, threads: 2 })
    await sleep(400)
    const stats = await load.stop()
    expect(sockets.size).toBe(5)
    expect(stats.requests).toBeGreaterThan(50)
    expect(stats.requests).toBeGreaterThanOrEqual(served['/ok']! - 5)
  })

  it('renders placeholders per request: {{$seq}} counts over every thread, headers go with each request', async () => {
    reset()
    const load = await startLoad({
      port,
      requests: parseRequests('GET /vary/{{$seq}}?r={{$randomInt 0 1000000}}'),
      headers: [
        ['X-User', 'u{{$seq}}'],
        ['Authorization', 'Bearer s3cret'],
      ],
      connections: 4,
      threads: 2,
    })
    await sleep(400)
    const stats = await load.stop()
    expect(stats.errors).toBe(0)
    expect(varied.length).toBeGreaterThan(20)
    const seqs = varied.map((v) => Number(/^\/vary\/(\d+)\?/.exec(v)![1]))
    expect(new Set(seqs).size).toBe(seqs.length)
    for (const v of varied) {
      const [, n, user, auth] = /^\/vary\/(\d+)\?r=\d+ u(\d+) (.*)$/.exec(v)!
      expect(user, v).toBe(n)
      expect(auth).toBe('Bearer s3cret')
    }
    expect(new Set(varied.map((v) => v.split('?r=')[1]!.split(' ')[0])).size).toBeGreaterThan(
      varied.length / 2,
    )
  })

  it('rate caps the requests per second over the whole load, whatever the connections', async () => {
    reset()
    const load = await startLoad({
      port,
      requests: parseRequests('GET /ok'),
      connections: 8,
      threads: 2,
      rate: 200,
    })
    await sleep(1500)
    const stats = await load.stop()
    // 200/s for 1.5 s is 300 (plus the one each thread sends at once); a load at full speed does thousands.
    expect(stats.requests).toBeGreaterThan(240)
    expect(stats.requests).toBeLessThan(330)
    expect(stats.errors).toBe(0)
  })
})
