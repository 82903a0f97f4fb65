// The load loop run by each worker: keep-alive connections over raw sockets,
// by default one request in flight per connection (a real client waits for its
// answer; `pipeline` writes several at once), round-robin over the encoded requests. Every completed response
// and every failure is counted in shared memory as it happens.
import * as net from 'node:net'
import { performance } from 'node:perf_hooks'
import { bucketOf } from './histogram.js'
import { ProtocolError, ResponseParser } from './response-parser.js'
import { renderRequest } from './template.js'
import {
  CTRL_EPOCH,
  CTRL_PAUSE,
  CTRL_SEQ,
  CTRL_STOP,
  HISTOGRAM,
  IN_FLIGHT,
  MAX_EPOCH,
  MAX_US,
  STATUS,
  STATUS_CODES,
  TRANSPORT_ERRORS,
  type WorkerConfig,
} from './shared.js'

const MAX_ERROR_SAMPLES = 10
const MAX_BACKOFF_MS = 200

export interface LoadClient {
  /** Closes every connection; requests in flight are dropped uncounted. */
  stop(): void
  stopped: Promise<void>
}

/**
 * Long (over 80 lines) because it is one worker's whole client: the connections,
 * the pacer, the pause watch and the watchdog share its counters and stop state
 * through closures, and the handle it returns is their only way out.
 */
export function runClient(config: WorkerConfig, onErrorSample: (text: string) => void): LoadClient {
  const counters = new Int32Array(config.counters)
  const control = new Int32Array(config.control)
  // Fixed requests are written as the same bytes every time; the others are rendered per request.
  const fixed = config.requests.map((r) =>
    r.bytes ? Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength) : undefined,
  )
  const n = fixed.length
  const write = (socket: net.Socket, index: number): void => {
    const bytes = fixed[index]
    if (bytes) {
      socket.write(bytes)
      return
    }
    const r = config.requests[index]!
    socket.write(renderRequest(r, r.usesSeq ? Atomics.add(control, CTRL_SEQ, 1) + 1 : 0))
  }
  let next = config.offset % n
  let epoch = Atomics.load(control, CTRL_EPOCH)
  let maxUs = 0
  let stopping = false
  const samples = new Set<string>()
  const conns: Conn[] = []
  // Reads are handled synchronously one at a time, so every connection can share it.
  const readBuffer = Buffer.allocUnsafe(64 * 1024)
  let resolveStopped!: () => void
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve))

  const sample = (text: string): void => {
    if (samples.size >= MAX_ERROR_SAMPLES || samples.has(text)) return
    samples.add(text)
    onErrorSample(text)
  }

  const record = (status: number, us: number, label: string): void => {
    const e = Atomics.load(control, CTRL_EPOCH)
    if (e !== epoch) {
      epoch = e
      maxUs = 0
    }
    if (us > maxUs) {
      maxUs = us
      Atomics.store(counters, MAX_US, Math.min(Math.round(us), 0x7fffffff))
      Atomics.store(counters, MAX_EPOCH, epoch)
    }
    Atomics.add(counters, HISTOGRAM + bucketOf(us), 1)
    Atomics.add(counters, STATUS + (status < STATUS_CODES ? status : 0), 1)
    if (status < 200 || status >= 400) sample(`HTTP ${status} from ${label}`)
  }

  const fail = (what: string, label: string): void => {
    Atomics.add(counters, TRANSPORT_ERRORS, 1)
    sample(`${what} on ${label}`)
  }

  // Requests in flight per connection: 1 waits for each answer, as a browser or
  // an HTTP client library does; more writes that many at once (one syscall)
  // and reads their answers in order, for services that serve pipelined requests.
  const depth = Math.max(1, config.pipeline ?? 1)

  class Conn {
    socket: net.Socket | undefined
    parser = new ResponseParser()
    /** performance.now() when the oldest request in flight was written; 0 when idle. */
    started = 0
    /** Requests in flight, oldest first: their indexes in `requests`. */
    inFlight: number[] = []
    connected = false
    failures = 0
    retry: NodeJS.Timeout | undefined
    /** Waiting for the rate cap to allow its next request, or for a pause to end. */
    parked = false

    connect(): void {
      if (stopping) return
      // onread hands each read to us in one shared buffer, skipping the stream
      // machinery and a Buffer allocation per read: a third of the per-request CPU.
      const socket: net.Socket = net.connect({
        port: config.port,
        host: config.host,
        noDelay: true,
        onread: {
          buffer: readBuffer,
          callback: (nread: number, buf: Uint8Array) => {
            this.onData(socket, (buf as Buffer).subarray(0, nread))
            return true
          },
        },
      })
      this.socket = socket
      this.connected = false
      this.forgetInFlight()
      this.parser.reset()
      socket.on('connect', () => {
        this.connected = true
        this.send()
      })
      socket.on('error', (err: NodeJS.ErrnoException) => this.onBroken(socket, err.code ?? err.message))
      socket.on('close', () => this.onBroken(socket, 'connection closed'))
    }

    send(): void {
      if (stopping || !this.socket || this.parked) return
      if (Atomics.load(control, CTRL_PAUSE) !== 0) {
        this.parked = true
        paused.push(this)
        watchPause()
        return
      }
      if (pacer && !pacer.take()) {
        this.parked = true
        pacer.park(this)
        return
      }
      this.write()
    }

    /** Writes the next request(s); the rate cap, if any, has allowed them. */
    write(): void {
      const socket = this.socket
      if (stopping || !socket) return
      this.started = performance.now()
      Atomics.add(counters, IN_FLIGHT, depth)
      if (depth === 1) {
        this.inFlight.push(next)
        write(socket, next)
        next = next + 1 === n ? 0 : next + 1
      } else {
        socket.cork()
        for (let i = 0; i < depth; i++) {
          this.inFlight.push(next)
          write(socket, next)
          next = next + 1 === n ? 0 : next + 1
        }
        socket.uncork()
      }
      this.parser.expectNoBody = config.isHead[this.inFlight[0]!]!
    }

    onData(socket: net.Socket, chunk: Buffer): void {
      if (socket !== this.socket || this.started === 0) return
      let pos = 0
      for (;;) {
        let end: number
        try {
          end = this.parser.execute(chunk, pos)
        } catch (err) {
          const what = err instanceof ProtocolError ? `malformed response (${err.message})` : String(err)
          this.drop(socket, what)
          return
        }
        if (end < 0) return
        this.complete()
        this.failures = 0
        if (!this.parser.keepAlive) {
          this.reconnect(socket, 0)
          return
        }
        if (this.inFlight.length === 0) {
          // Bytes past the last answer we asked for: the connection is out of step.
          if (end === chunk.length) this.send()
          else this.reconnect(socket, 0)
          return
        }
        this.parser.expectNoBody = config.isHead[this.inFlight[0]!]!
        if (end === chunk.length) return
        pos = end
      }
    }

    complete(): void {
      const us = (performance.now() - this.started) * 1000
      const index = this.inFlight.shift()!
      Atomics.sub(counters, IN_FLIGHT, 1)
      if (this.inFlight.length === 0) this.started = 0
      record(this.parser.status, us, config.labels[index]!)
    }

    onBroken(socket: net.Socket, what: string): void {
      if (socket !== this.socket) return
      if (this.started !== 0 && this.parser.endsAtClose && what === 'connection closed') {
        this.parser.finishAtClose()
        this.complete()
        // Answers that end at close end the connection: any later pipelined requests are lost.
        if (this.started === 0) this.reconnect(socket, 0)
        else this.drop(socket, what)
        return
      }
      this.drop(socket, what)
    }

    /** The requests in flight (if any) failed: count them, then reconnect with a backoff. */
    drop(socket: net.Socket, what: string): void {
      if (stopping) return
      if (this.started !== 0) {
        this.started = 0
        for (const index of this.inFlight) fail(what, config.labels[index]!)
        this.forgetInFlight()
        this.failures++
        this.reconnect(socket, Math.min(MAX_BACKOFF_MS, 2 ** this.failures))
        return
      }
      if (!this.connected) {
        // Refused or unreachable: the request we were about to send failed too.
        fail(`${what} (connect)`, config.labels[next]!)
      }
      this.failures++
      this.reconnect(socket, Math.min(MAX_BACKOFF_MS, 2 ** this.failures))
    }

    reconnect(socket: net.Socket, delayMs: number): void {
      socket.removeAllListeners()
      socket.on('error', () => {})
      socket.destroy()
      this.socket = undefined
      this.started = 0
      this.forgetInFlight()
      if (stopping) return
      if (delayMs <= 0) this.connect()
      else this.retry = setTimeout(() => this.connect(), delayMs)
    }

    /** The requests in flight will get no answer (counted as failures, or the connection is gone). */
    forgetInFlight(): void {
      if (this.inFlight.length) Atomics.sub(counters, IN_FLIGHT, this.inFlight.length)
      this.inFlight.length = 0
    }

    close(): void {
      clearTimeout(this.retry)
      if (this.socket) {
        this.socket.removeAllListeners()
        this.socket.on('error', () => {})
        this.socket.destroy()
        this.socket = undefined
      }
    }
  }

  /**
   * The `rate` cap: request k (counting from 0) may go once k / rate seconds have passed since
   * the load started, so the count over the run is the rate times its length. A connection
   * that may not send yet waits here. The allowance saved up while the service was slow is
   * capped at one request per connection: catching up must not become a burst that trips the
   * service's own rate limiter.
   */
  class Pacer {
    readonly perMs: number
    readonly burst = Math.max(depth, config.connections * depth)
    start = performance.now()
    sent = 0
    waiting: Conn[] = []
    timer: NodeJS.Timeout | undefined

    constructor(rate: number) {
      this.perMs = rate / 1000
    }

    take(): boolean {
      const now = performance.now()
      let allowed = (now - this.start) * this.perMs + 1
      if (allowed - this.sent > this.burst) {
        this.start = now - (this.sent + this.burst - 1) / this.perMs
        allowed = this.sent + this.burst
      }
      if (this.sent + depth > allowed) return false
      this.sent += depth
      return true
    }

    park(conn: Conn): void {
      this.waiting.push(conn)
      this.schedule()
    }

    schedule(): void {
      if (this.timer || this.waiting.length === 0 || stopping) return
      const due = this.start + (this.sent + depth - 1) / this.perMs
      this.timer = setTimeout(() => this.release(), Math.max(0, due - performance.now()))
    }

    release(): void {
      this.timer = undefined
      while (this.waiting.length > 0 && !stopping && this.take()) {
        const conn = this.waiting.shift()!
        conn.parked = false
        conn.write()
      }
      this.schedule()
    }

    stop(): void {
      clearTimeout(this.timer)
    }
  }
  const pacer = config.rate ? new Pacer(config.rate) : undefined

  // A pause (the main thread takes a snapshot with nothing in flight): connections wait here.
  const paused: Conn[] = []
  let pauseWatch: NodeJS.Timeout | undefined
  function watchPause(): void {
    pauseWatch ??= setInterval(() => {
      if (stopping || Atomics.load(control, CTRL_PAUSE) !== 0) return
      clearInterval(pauseWatch)
      pauseWatch = undefined
      for (const c of paused.splice(0)) {
        c.parked = false
        c.send()
      }
    }, 1)
  }

  // One timer checks every connection's request for a timeout: cheaper than a timer per request.
  const tick = Math.max(10, Math.min(250, config.timeoutMs / 4))
  const watchdog = setInterval(() => {
    if (Atomics.load(control, CTRL_STOP) !== 0) {
      stop()
      return
    }
    const now = performance.now()
    for (const c of conns) {
      if (c.started !== 0 && c.socket && now - c.started > config.timeoutMs) {
        c.drop(c.socket, `timeout after ${config.timeoutMs} ms`)
      }
    }
  }, tick)
  const deadline = setTimeout(() => stop(), config.deadlineMs)

  function stop(): void {
    if (stopping) return
    stopping = true
    clearInterval(watchdog)
    clearTimeout(deadline)
    pacer?.stop()
    clearInterval(pauseWatch)
    for (const c of conns) c.close()
    resolveStopped()
  }

  for (let i = 0; i < config.connections; i++) {
    const c = new Conn()
    conns.push(c)
    c.connect()
  }
  return { stop, stopped }
}
