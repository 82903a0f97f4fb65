// Layout of the memory each load worker shares with the main thread. The worker
// is the only writer of its counters (Atomics.add); the main thread only reads,
// so it can take the exact request count at a snapshot without a message round
// trip through a busy worker.
import { BUCKETS } from './histogram.js'
import type { EncodedRequest } from './template.js'

/** Int32 slots. */
// Requests and errors are summed from STATUS and TRANSPORT_ERRORS, which keeps them
// consistent with the status counts (see countsOf in generator.ts); slot 1 is unused.
export const IN_FLIGHT = 0 // requests written and not yet answered or failed
export const TRANSPORT_ERRORS = 2 // reset, refused, timeout, malformed response
export const MAX_US = 3 // highest latency (µs) in epoch MAX_EPOCH
export const MAX_EPOCH = 4
export const STATUS = 8 // STATUS + code for codes 0..599
export const STATUS_CODES = 600
export const HISTOGRAM = STATUS + STATUS_CODES
export const SLOTS = HISTOGRAM + BUCKETS

/** Control slots, written by the main thread and read by every worker. */
export const CTRL_STOP = 0
export const CTRL_EPOCH = 1 // bumped by resetStats: workers restart their max
export const CTRL_SEQ = 2 // the load's {{$seq}} counter: the last number drawn
export const CTRL_PAUSE = 3 // nonzero: connections send nothing new until it is cleared
export const CTRL_SLOTS = 4

export interface WorkerConfig {
  port: number
  host: string
  /** Encoded requests, round-robin: bytes, or pieces rendered per request. */
  requests: EncodedRequest[]
  /** Whether each request is a HEAD (no response body whatever the headers say). */
  isHead: boolean[]
  /** A label for error samples, e.g. "GET /time". */
  labels: string[]
  connections: number
  /** Requests written at once on each connection, answers read in order (default 1: no pipelining). */
  pipeline?: number
  timeoutMs: number
  /** Round-robin offset so that several workers do not all start on line 1. */
  offset: number
  counters: SharedArrayBuffer
  control: SharedArrayBuffer
  /** Requests per second this worker sends at most (its share of the `rate` input); unset: as fast as answered. */
  rate?: number
  /** The worker stops itself after this long (ms), whatever the main thread does. */
  deadlineMs: number
}

/** Worker -> main messages. */
export type WorkerMessage = { type: 'started' } | { type: 'error-sample'; text: string } | { type: 'stopped' }
