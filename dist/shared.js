import { randomUUID } from 'node:crypto';

// Requests that vary: a request compiled into pieces, fixed text and
// placeholders, rendered anew for every request the load generator sends. The
// worker threads import this file, so it imports nothing from outside src/load.
function draw(piece, seq) {
    switch (piece.p) {
        case 'int':
            return String(piece.min + Math.floor(Math.random() * (piece.max - piece.min)));
        case 'uuid':
            return randomUUID();
        case 'timestamp':
            return String(Math.floor(Date.now() / 1000));
        case 'seq':
            return String(seq);
    }
}
function renderPieces(pieces, seq) {
    let out = '';
    for (const piece of pieces)
        out += typeof piece === 'string' ? piece : draw(piece, seq);
    return out;
}
/** The text of one request with fresh values: head, Content-Length when there is a body, blank line, body. */
function renderRequest(request, seq) {
    const head = renderPieces(request.head, seq);
    if (!request.body)
        return `${head}\r\n`;
    const body = renderPieces(request.body, seq);
    return `${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

// Log-linear latency histogram in microseconds: values below 16 µs get a bucket
// each, above that every power of two is split into 16 buckets (about 6%
// resolution), up to 2^27 µs (134 s). Cheap enough to update per request from
// the load worker, straight into shared memory.
const SUB_BUCKETS = 16;
const SUB_BITS = 4;
const MAX_EXPONENT = 27;
const BUCKETS = (MAX_EXPONENT - SUB_BITS + 1) * SUB_BUCKETS + SUB_BUCKETS;
function bucketOf(us) {
    const v = us < 0 ? 0 : Math.floor(us);
    if (v < SUB_BUCKETS)
        return v;
    const e = 31 - Math.clz32(v > 0x7fffffff ? 0x7fffffff : v);
    if (e > MAX_EXPONENT)
        return BUCKETS - 1;
    return (e - SUB_BITS + 1) * SUB_BUCKETS + ((v >>> (e - SUB_BITS)) & (SUB_BUCKETS - 1));
}
/** [lowest, highest) microseconds of a bucket. */
function bucketRange(index) {
    if (index < SUB_BUCKETS)
        return [index, index + 1];
    const e = Math.floor(index / SUB_BUCKETS) + SUB_BITS - 1;
    const sub = index % SUB_BUCKETS;
    const width = 2 ** (e - SUB_BITS);
    const low = (SUB_BUCKETS + sub) * width;
    return [low, low + width];
}
/**
 * The q-quantile (0..1) in microseconds: the middle of the bucket holding it,
 * capped at the exact maximum when known.
 */
function quantile(counts, q, maxUs) {
    let total = 0;
    for (let i = 0; i < counts.length; i++)
        total += counts[i];
    if (total === 0)
        return 0;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= rank) {
            const [low, high] = bucketRange(i);
            const mid = i < SUB_BUCKETS ? low : (low + high) / 2;
            return maxUs === undefined ? mid : Math.min(mid, maxUs);
        }
    }
    return maxUs ?? 0;
}

// Layout of the memory each load worker shares with the main thread. The worker
// is the only writer of its counters (Atomics.add); the main thread only reads,
// so it can take the exact request count at a snapshot without a message round
// trip through a busy worker.
/** Int32 slots. */
// Requests and errors are summed from STATUS and TRANSPORT_ERRORS, which keeps them
// consistent with the status counts (see countsOf in generator.ts); slot 1 is unused.
const IN_FLIGHT = 0; // requests written and not yet answered or failed
const TRANSPORT_ERRORS = 2; // reset, refused, timeout, malformed response
const MAX_US = 3; // highest latency (µs) in epoch MAX_EPOCH
const MAX_EPOCH = 4;
const STATUS = 8; // STATUS + code for codes 0..599
const STATUS_CODES = 600;
const HISTOGRAM = STATUS + STATUS_CODES;
const SLOTS = HISTOGRAM + BUCKETS;
/** Control slots, written by the main thread and read by every worker. */
const CTRL_STOP = 0;
const CTRL_EPOCH = 1; // bumped by resetStats: workers restart their max
const CTRL_SEQ = 2; // the load's {{$seq}} counter: the last number drawn
const CTRL_PAUSE = 3; // nonzero: connections send nothing new until it is cleared
const CTRL_SLOTS = 4;

export { BUCKETS as B, CTRL_SLOTS as C, HISTOGRAM as H, IN_FLIGHT as I, MAX_EPOCH as M, SLOTS as S, TRANSPORT_ERRORS as T, renderRequest as a, CTRL_PAUSE as b, CTRL_EPOCH as c, CTRL_STOP as d, MAX_US as e, STATUS_CODES as f, STATUS as g, CTRL_SEQ as h, bucketOf as i, quantile as q, renderPieces as r };
