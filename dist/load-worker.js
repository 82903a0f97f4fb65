import { parentPort, workerData } from 'node:worker_threads';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { c as CTRL_EPOCH, d as CTRL_STOP, b as CTRL_PAUSE, I as IN_FLIGHT, a as renderRequest, h as CTRL_SEQ, e as MAX_US, M as MAX_EPOCH, H as HISTOGRAM, i as bucketOf, g as STATUS, f as STATUS_CODES, T as TRANSPORT_ERRORS } from './shared.js';
import 'node:crypto';

// A minimal HTTP/1.1 response parser for the load generator: it only needs the
// status, where the response ends (Content-Length, chunked, or connection close)
// and whether the connection stays open. Bodies are skipped, never copied.
const HEAD = 0;
const BODY_LENGTH = 1;
const CHUNK_SIZE = 2;
const CHUNK_DATA = 3;
const CHUNK_CRLF = 4;
const TRAILER = 5;
const BODY_UNTIL_CLOSE = 6;
const CRLFCRLF = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;
class ProtocolError extends Error {
    name = 'ProtocolError';
}
class ResponseParser {
    /** Status of the response being parsed or just completed. */
    status = 0;
    /** False when the server said it will close the connection after this response. */
    keepAlive = true;
    /** Set before each request: a HEAD response has no body whatever its headers say. */
    expectNoBody = false;
    state = HEAD;
    partial;
    remaining = 0;
    line = '';
    /** Whether a response has started arriving (for telling a clean close from a cut). */
    get inProgress() {
        return this.state !== HEAD || this.partial !== undefined;
    }
    /** Whether the response ends at connection close (no length, not chunked). */
    get endsAtClose() {
        return this.state === BODY_UNTIL_CLOSE;
    }
    reset() {
        this.state = HEAD;
        this.partial = undefined;
        this.remaining = 0;
        this.line = '';
    }
    /**
     * Consumes bytes from `buf` starting at `pos`. Returns the offset just after
     * the end of a complete response (then `status` and `keepAlive` describe it and
     * the parser is ready for the next one), or -1 when it needs more bytes.
     */
    execute(buf, pos = 0) {
        // Offsets into `data` (which may be a partial head joined with buf) map back to buf by `shift`.
        let data = buf;
        let shift = 0;
        for (;;) {
            if (this.state !== HEAD) {
                const done = this.body(data, pos);
                return done < 0 ? -1 : done + shift;
            }
            if (pos >= data.length)
                return -1;
            let from = pos;
            let searchFrom = pos;
            if (this.partial) {
                const before = this.partial;
                data = Buffer.concat([before, data.subarray(pos)]);
                shift = pos - before.length;
                from = 0;
                // The blank line may straddle the two pieces.
                searchFrom = Math.max(0, before.length - 3);
                this.partial = undefined;
            }
            const at = data.indexOf(CRLFCRLF, searchFrom);
            if (at < 0)
                return this.keepPartial(data, from);
            pos = this.parseHead(data, from, at);
        }
    }
    /** The connection closed: completes a response that ends at close. */
    finishAtClose() {
        if (this.state !== BODY_UNTIL_CLOSE)
            return false;
        this.reset();
        return true;
    }
    keepPartial(data, from) {
        if (data.length - from > MAX_HEAD)
            throw new ProtocolError('response head larger than 64 KiB');
        // Copy: the socket may reuse its buffer.
        this.partial = Buffer.from(data.subarray(from));
        return -1;
    }
    /** Parses the head in data[from, at) and returns the offset of the body. */
    parseHead(data, from, at) {
        const head = data.toString('latin1', from, at + 2);
        if (!head.startsWith('HTTP/1.'))
            throw new ProtocolError(`not an HTTP/1.x response: ${JSON.stringify(head.slice(0, 40))}`);
        const status = Number(head.slice(9, 12));
        if (!(status >= 100 && status < 600))
            throw new ProtocolError(`bad status line: ${JSON.stringify(head.split('\r\n')[0])}`);
        this.status = status;
        const http10 = head.charCodeAt(7) === 48; // '0'
        const connection = /\r\nconnection:([^\r]*)/i.exec(head)?.[1]?.toLowerCase();
        this.keepAlive = http10
            ? connection?.includes('keep-alive') === true
            : connection?.includes('close') !== true;
        const bodyStart = at + 4;
        if (status < 200) {
            // An interim answer (100, 103): the real one follows for the same request.
            this.state = HEAD;
            return bodyStart;
        }
        if (status === 204 || status === 304 || this.expectNoBody) {
            this.state = BODY_LENGTH;
            this.remaining = 0;
            return bodyStart;
        }
        if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
            this.state = CHUNK_SIZE;
            this.line = '';
            return bodyStart;
        }
        const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
        if (length) {
            this.state = BODY_LENGTH;
            this.remaining = Number(length[1]);
            return bodyStart;
        }
        this.state = BODY_UNTIL_CLOSE;
        this.keepAlive = false;
        return bodyStart;
    }
    /** Consumes body bytes; returns the offset after the response's end, or -1. */
    body(buf, pos) {
        const end = buf.length;
        for (;;) {
            switch (this.state) {
                case HEAD:
                    return pos;
                case BODY_LENGTH: {
                    const take = Math.min(this.remaining, end - pos);
                    this.remaining -= take;
                    pos += take;
                    if (this.remaining > 0)
                        return -1;
                    this.state = HEAD;
                    return pos;
                }
                case BODY_UNTIL_CLOSE:
                    return -1;
                case CHUNK_SIZE:
                case TRAILER: {
                    const nl = buf.indexOf(10, pos); // '\n'
                    if (nl < 0) {
                        this.line += buf.toString('latin1', pos, end);
                        if (this.line.length > 4096)
                            throw new ProtocolError('chunk size line too long');
                        return -1;
                    }
                    const line = (this.line + buf.toString('latin1', pos, nl)).replace(/\r$/, '');
                    this.line = '';
                    pos = nl + 1;
                    if (this.state === TRAILER) {
                        if (line === '') {
                            this.state = HEAD;
                            return pos;
                        }
                        continue;
                    }
                    const size = parseInt(line, 16);
                    if (!Number.isFinite(size) || size < 0 || !/^[0-9a-fA-F]/.test(line)) {
                        throw new ProtocolError(`bad chunk size line: ${JSON.stringify(line.slice(0, 40))}`);
                    }
                    if (size === 0)
                        this.state = TRAILER;
                    else {
                        this.state = CHUNK_DATA;
                        this.remaining = size;
                    }
                    continue;
                }
                case CHUNK_DATA: {
                    if (pos >= end)
                        return -1;
                    const take = Math.min(this.remaining, end - pos);
                    this.remaining -= take;
                    pos += take;
                    if (this.remaining > 0)
                        return -1;
                    this.state = CHUNK_CRLF;
                    this.remaining = 2;
                    continue;
                }
                case CHUNK_CRLF: {
                    if (pos >= end)
                        return -1;
                    const take = Math.min(this.remaining, end - pos);
                    this.remaining -= take;
                    pos += take;
                    if (this.remaining > 0)
                        return -1;
                    this.state = CHUNK_SIZE;
                    continue;
                }
            }
        }
    }
}

// The load loop run by each worker: keep-alive connections over raw sockets,
// by default one request in flight per connection (a real client waits for its
// answer; `pipeline` writes several at once), round-robin over the encoded requests. Every completed response
// and every failure is counted in shared memory as it happens.
const MAX_ERROR_SAMPLES = 10;
const MAX_BACKOFF_MS = 200;
/**
 * Long (over 80 lines) because it is one worker's whole client: the connections,
 * the pacer, the pause watch and the watchdog share its counters and stop state
 * through closures, and the handle it returns is their only way out.
 */
function runClient(config, onErrorSample) {
    const counters = new Int32Array(config.counters);
    const control = new Int32Array(config.control);
    // Fixed requests are written as the same bytes every time; the others are rendered per request.
    const fixed = config.requests.map((r) => r.bytes ? Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength) : undefined);
    const n = fixed.length;
    const write = (socket, index) => {
        const bytes = fixed[index];
        if (bytes) {
            socket.write(bytes);
            return;
        }
        const r = config.requests[index];
        socket.write(renderRequest(r, r.usesSeq ? Atomics.add(control, CTRL_SEQ, 1) + 1 : 0));
    };
    let next = config.offset % n;
    let epoch = Atomics.load(control, CTRL_EPOCH);
    let maxUs = 0;
    let stopping = false;
    const samples = new Set();
    const conns = [];
    // Reads are handled synchronously one at a time, so every connection can share it.
    const readBuffer = Buffer.allocUnsafe(64 * 1024);
    let resolveStopped;
    const stopped = new Promise((resolve) => (resolveStopped = resolve));
    const sample = (text) => {
        if (samples.size >= MAX_ERROR_SAMPLES || samples.has(text))
            return;
        samples.add(text);
        onErrorSample(text);
    };
    const record = (status, us, label) => {
        const e = Atomics.load(control, CTRL_EPOCH);
        if (e !== epoch) {
            epoch = e;
            maxUs = 0;
        }
        if (us > maxUs) {
            maxUs = us;
            Atomics.store(counters, MAX_US, Math.min(Math.round(us), 0x7fffffff));
            Atomics.store(counters, MAX_EPOCH, epoch);
        }
        Atomics.add(counters, HISTOGRAM + bucketOf(us), 1);
        Atomics.add(counters, STATUS + (status < STATUS_CODES ? status : 0), 1);
        if (status < 200 || status >= 400)
            sample(`HTTP ${status} from ${label}`);
    };
    const fail = (what, label) => {
        Atomics.add(counters, TRANSPORT_ERRORS, 1);
        sample(`${what} on ${label}`);
    };
    // Requests in flight per connection: 1 waits for each answer, as a browser or
    // an HTTP client library does; more writes that many at once (one syscall)
    // and reads their answers in order, for services that serve pipelined requests.
    const depth = Math.max(1, config.pipeline ?? 1);
    class Conn {
        socket;
        parser = new ResponseParser();
        /** performance.now() when the oldest request in flight was written; 0 when idle. */
        started = 0;
        /** Requests in flight, oldest first: their indexes in `requests`. */
        inFlight = [];
        connected = false;
        failures = 0;
        retry;
        /** Waiting for the rate cap to allow its next request, or for a pause to end. */
        parked = false;
        connect() {
            if (stopping)
                return;
            // onread hands each read to us in one shared buffer, skipping the stream
            // machinery and a Buffer allocation per read: a third of the per-request CPU.
            const socket = net.connect({
                port: config.port,
                host: config.host,
                noDelay: true,
                onread: {
                    buffer: readBuffer,
                    callback: (nread, buf) => {
                        this.onData(socket, buf.subarray(0, nread));
                        return true;
                    },
                },
            });
            this.socket = socket;
            this.connected = false;
            this.forgetInFlight();
            this.parser.reset();
            socket.on('connect', () => {
                this.connected = true;
                this.send();
            });
            socket.on('error', (err) => this.onBroken(socket, err.code ?? err.message));
            socket.on('close', () => this.onBroken(socket, 'connection closed'));
        }
        send() {
            if (stopping || !this.socket || this.parked)
                return;
            if (Atomics.load(control, CTRL_PAUSE) !== 0) {
                this.parked = true;
                paused.push(this);
                watchPause();
                return;
            }
            if (pacer && !pacer.take()) {
                this.parked = true;
                pacer.park(this);
                return;
            }
            this.write();
        }
        /** Writes the next request(s); the rate cap, if any, has allowed them. */
        write() {
            const socket = this.socket;
            if (stopping || !socket)
                return;
            this.started = performance.now();
            Atomics.add(counters, IN_FLIGHT, depth);
            if (depth === 1) {
                this.inFlight.push(next);
                write(socket, next);
                next = next + 1 === n ? 0 : next + 1;
            }
            else {
                socket.cork();
                for (let i = 0; i < depth; i++) {
                    this.inFlight.push(next);
                    write(socket, next);
                    next = next + 1 === n ? 0 : next + 1;
                }
                socket.uncork();
            }
            this.parser.expectNoBody = config.isHead[this.inFlight[0]];
        }
        onData(socket, chunk) {
            if (socket !== this.socket || this.started === 0)
                return;
            let pos = 0;
            for (;;) {
                let end;
                try {
                    end = this.parser.execute(chunk, pos);
                }
                catch (err) {
                    const what = err instanceof ProtocolError ? `malformed response (${err.message})` : String(err);
                    this.drop(socket, what);
                    return;
                }
                if (end < 0)
                    return;
                this.complete();
                this.failures = 0;
                if (!this.parser.keepAlive) {
                    this.reconnect(socket, 0);
                    return;
                }
                if (this.inFlight.length === 0) {
                    // Bytes past the last answer we asked for: the connection is out of step.
                    if (end === chunk.length)
                        this.send();
                    else
                        this.reconnect(socket, 0);
                    return;
                }
                this.parser.expectNoBody = config.isHead[this.inFlight[0]];
                if (end === chunk.length)
                    return;
                pos = end;
            }
        }
        complete() {
            const us = (performance.now() - this.started) * 1000;
            const index = this.inFlight.shift();
            Atomics.sub(counters, IN_FLIGHT, 1);
            if (this.inFlight.length === 0)
                this.started = 0;
            record(this.parser.status, us, config.labels[index]);
        }
        onBroken(socket, what) {
            if (socket !== this.socket)
                return;
            if (this.started !== 0 && this.parser.endsAtClose && what === 'connection closed') {
                this.parser.finishAtClose();
                this.complete();
                // Answers that end at close end the connection: any later pipelined requests are lost.
                if (this.started === 0)
                    this.reconnect(socket, 0);
                else
                    this.drop(socket, what);
                return;
            }
            this.drop(socket, what);
        }
        /** The requests in flight (if any) failed: count them, then reconnect with a backoff. */
        drop(socket, what) {
            if (stopping)
                return;
            if (this.started !== 0) {
                this.started = 0;
                for (const index of this.inFlight)
                    fail(what, config.labels[index]);
                this.forgetInFlight();
                this.failures++;
                this.reconnect(socket, Math.min(MAX_BACKOFF_MS, 2 ** this.failures));
                return;
            }
            if (!this.connected) {
                // Refused or unreachable: the request we were about to send failed too.
                fail(`${what} (connect)`, config.labels[next]);
            }
            this.failures++;
            this.reconnect(socket, Math.min(MAX_BACKOFF_MS, 2 ** this.failures));
        }
        reconnect(socket, delayMs) {
            socket.removeAllListeners();
            socket.on('error', () => { });
            socket.destroy();
            this.socket = undefined;
            this.started = 0;
            this.forgetInFlight();
            if (stopping)
                return;
            if (delayMs <= 0)
                this.connect();
            else
                this.retry = setTimeout(() => this.connect(), delayMs);
        }
        /** The requests in flight will get no answer (counted as failures, or the connection is gone). */
        forgetInFlight() {
            if (this.inFlight.length)
                Atomics.sub(counters, IN_FLIGHT, this.inFlight.length);
            this.inFlight.length = 0;
        }
        close() {
            clearTimeout(this.retry);
            if (this.socket) {
                this.socket.removeAllListeners();
                this.socket.on('error', () => { });
                this.socket.destroy();
                this.socket = undefined;
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
        perMs;
        burst = Math.max(depth, config.connections * depth);
        start = performance.now();
        sent = 0;
        waiting = [];
        timer;
        constructor(rate) {
            this.perMs = rate / 1000;
        }
        take() {
            const now = performance.now();
            let allowed = (now - this.start) * this.perMs + 1;
            if (allowed - this.sent > this.burst) {
                this.start = now - (this.sent + this.burst - 1) / this.perMs;
                allowed = this.sent + this.burst;
            }
            if (this.sent + depth > allowed)
                return false;
            this.sent += depth;
            return true;
        }
        park(conn) {
            this.waiting.push(conn);
            this.schedule();
        }
        schedule() {
            if (this.timer || this.waiting.length === 0 || stopping)
                return;
            const due = this.start + (this.sent + depth - 1) / this.perMs;
            this.timer = setTimeout(() => this.release(), Math.max(0, due - performance.now()));
        }
        release() {
            this.timer = undefined;
            while (this.waiting.length > 0 && !stopping && this.take()) {
                const conn = this.waiting.shift();
                conn.parked = false;
                conn.write();
            }
            this.schedule();
        }
        stop() {
            clearTimeout(this.timer);
        }
    }
    const pacer = config.rate ? new Pacer(config.rate) : undefined;
    // A pause (the main thread takes a snapshot with nothing in flight): connections wait here.
    const paused = [];
    let pauseWatch;
    function watchPause() {
        pauseWatch ??= setInterval(() => {
            if (stopping || Atomics.load(control, CTRL_PAUSE) !== 0)
                return;
            clearInterval(pauseWatch);
            pauseWatch = undefined;
            for (const c of paused.splice(0)) {
                c.parked = false;
                c.send();
            }
        }, 1);
    }
    // One timer checks every connection's request for a timeout: cheaper than a timer per request.
    const tick = Math.max(10, Math.min(250, config.timeoutMs / 4));
    const watchdog = setInterval(() => {
        if (Atomics.load(control, CTRL_STOP) !== 0) {
            stop();
            return;
        }
        const now = performance.now();
        for (const c of conns) {
            if (c.started !== 0 && c.socket && now - c.started > config.timeoutMs) {
                c.drop(c.socket, `timeout after ${config.timeoutMs} ms`);
            }
        }
    }, tick);
    const deadline = setTimeout(() => stop(), config.deadlineMs);
    function stop() {
        if (stopping)
            return;
        stopping = true;
        clearInterval(watchdog);
        clearTimeout(deadline);
        pacer?.stop();
        clearInterval(pauseWatch);
        for (const c of conns)
            c.close();
        resolveStopped();
    }
    for (let i = 0; i < config.connections; i++) {
        const c = new Conn();
        conns.push(c);
        c.connect();
    }
    return { stop, stopped };
}

// Entry point of a load worker thread (bundled as dist/load-worker.js). The
// load runs here so that generating it never delays the main thread's
// snapshots, and the main thread reads the counters from shared memory.
const port = parentPort;
if (port) {
    const post = (message) => port.postMessage(message);
    const client = runClient(workerData, (text) => post({ type: 'error-sample', text }));
    port.on('message', (message) => {
        if (message === 'stop')
            client.stop();
    });
    void client.stopped.then(() => {
        post({ type: 'stopped' });
        port.close();
    });
    post({ type: 'started' });
}
