// What to change, chosen by rules over the evidence. Each rule is a small
// predicate over what the profiles show and a sentence naming the code to fix;
// the first rule that matches wins, the last one always matches. The rule's id
// goes into Finding.details.hintRule so a reader can see why this advice.
import { formatBytesInText } from '../model/format.js'

export interface Hint {
  rule: string
  hint: string
}

// ------------------------------------------------------------------ heap

export interface HeapHintEvidence {
  /** The function a reviewer must change (own frame, else the allocating function). */
  where: string
  /** Every function on the site's stacks. */
  functions: ReadonlySet<string>
  inuseObjectsStart: number
  inuseObjectsEnd: number
  inuseEnd: number
  /** Largest single live object of the site at the first and last snapshot. */
  largestObjectStart: number
  largestObjectEnd: number
}

const MAP_FRAME = /^(runtime\.(mapassign|makemap|hashGrow|growWork|evacuate)|internal\/runtime\/maps\.)/
const SLICE_FRAME = /^runtime\.growslice/
const BUFFER_FRAME = /^(strings\.\(\*Builder\)\.|bytes\.\(\*Buffer\)\.|bytes\.growSlice$)/
/** A single live object at least this big that keeps growing is a slice's backing array. */
export const GROWING_OBJECT_MIN = 64 * 1024

const any = (fns: ReadonlySet<string>, re: RegExp) => [...fns].some((f) => re.test(f))

export function heapLeakHint(e: HeapHintEvidence): Hint {
  if (any(e.functions, MAP_FRAME)) {
    return {
      rule: 'map',
      hint: `Entries are added to a map in ${e.where} and never removed. Bound it: an LRU or TTL cache with a maximum size, or delete the entry when the request or session it belongs to ends.`,
    }
  }
  if (any(e.functions, BUFFER_FRAME)) {
    return {
      rule: 'buffer',
      hint: `A strings.Builder or bytes.Buffer filled in ${e.where} stays reachable. Do not keep it in a long-lived struct or global; Reset() it after use, and copy out the bytes you keep (a slice of its bytes pins the whole buffer).`,
    }
  }
  const growingObject =
    e.largestObjectEnd >= GROWING_OBJECT_MIN &&
    e.largestObjectEnd >= 1.5 * Math.max(e.largestObjectStart, 1) &&
    e.largestObjectEnd >= 0.1 * e.inuseEnd
  if (any(e.functions, SLICE_FRAME) || growingObject) {
    const size = growingObject
      ? ` (its backing array is now one ${formatBytesInText(e.largestObjectEnd)} object)`
      : ''
    return {
      rule: 'slice',
      hint: `A slice appended to in ${e.where} only grows${size}. Cap it (drop the oldest entries, or use a ring buffer), or reset it with s = s[:0] once its contents are consumed; remember that a sub-slice keeps the whole backing array alive.`,
    }
  }
  if (e.inuseObjectsEnd - e.inuseObjectsStart >= 100 && e.inuseEnd / Math.max(1, e.inuseObjectsEnd) < 4096) {
    return {
      rule: 'collection',
      hint: `Small objects allocated in ${e.where} pile up, about one more per request: something long-lived (a global map or slice, a cache without eviction, a channel buffer, a goroutine that never exits) keeps them. Find that owner and bound it (LRU, TTL, maximum size) or remove the entries when done.`,
    }
  }
  return {
    rule: 'retained',
    hint: `Memory allocated in ${e.where} is never freed: something long-lived still references it (a global, a cache, a closure held by a goroutine that never exits). Release the reference when the work is done, or bound the structure that holds it.`,
  }
}

export function boundedGrowthHint(where: string, plateau: number): Hint {
  return {
    rule: 'bounded',
    hint: `Live memory from ${where} grew, then levelled off at about ${formatBytesInText(plateau)}: a cache or pool filling to its bound, not a leak. Check that the bound suits production traffic and that entries expire.`,
  }
}

export function totalHeapHint(contributors: readonly string[]): Hint {
  const who = contributors.length ? ` The largest contributors: ${contributors.join(', ')}.` : ''
  return {
    rule: 'spread',
    hint: `The live heap keeps growing with requests, but no single allocation site does so clearly enough on its own: several sites grow a little each, or the leaked objects are allocated from many places.${who} Look for one structure that holds them all (a global map or slice, a registry of subscribers or callbacks).`,
  }
}

// ------------------------------------------------------------------ goroutines

export interface GoroutineHintEvidence {
  /** Who starts these goroutines ("created by"), else the own frame. */
  creator?: string
  /** First non-runtime frame of the stack: where the goroutine waits. */
  blockingFunction: string
  /** The runtime function it is parked in (runtime.chansend1, runtime.selectgo, ...). */
  waitFunction?: string
  /** State from the goroutine dump ("chan send", "select", "IO wait", ...). */
  waitReason?: string
  functions: readonly string[]
}

export function goroutineLeakHint(e: GoroutineHintEvidence): Hint {
  const who = e.creator ? `Goroutines started by ${e.creator}` : `Goroutines parked in ${e.blockingFunction}`
  const reason = (e.waitReason ?? '').toLowerCase()
  const wait = e.waitFunction ?? ''
  const fns = e.functions
  if (fns.some((f) => f.startsWith('net/http.(*persistConn).'))) {
    return {
      rule: 'persistconn',
      hint: `HTTP client connections stay open, each holding a read and a write goroutine: close every response body (defer resp.Body.Close() right after the error check) and drain it (io.Copy(io.Discard, resp.Body)) so the connection is reused.`,
    }
  }
  if (fns.includes('net/http.(*conn).serve')) {
    return {
      rule: 'server-conn',
      hint: `Connections to this server stay open and idle: clients (perhaps this service calling itself, see any connection leak) open new ones without closing the old. Set http.Server ReadHeaderTimeout and IdleTimeout so idle connections are closed, and close response bodies on the client side.`,
    }
  }
  if (reason.startsWith('chan send') || /^runtime\.chansend/.test(wait)) {
    return {
      rule: 'chan-send',
      hint: `${who} block forever sending on a channel no one receives from (in ${e.blockingFunction}). Give the send a way out: select on ctx.Done() beside the send, or make the channel buffered so the sender can finish when the receiver has gone (e.g. after a timeout).`,
    }
  }
  if (reason.startsWith('chan receive') || /^runtime\.chanrecv/.test(wait)) {
    return {
      rule: 'chan-receive',
      hint: `${who} block forever receiving from a channel no one sends on or closes (in ${e.blockingFunction}). Close the channel when the producer is done, or select on ctx.Done() so the receiver can leave.`,
    }
  }
  if (reason.startsWith('select (no cases)') || wait === 'runtime.block') {
    return {
      rule: 'select-empty',
      hint: `${who} end in an empty select {} (in ${e.blockingFunction}), which never returns: return instead, or wait on a context.`,
    }
  }
  if (reason.startsWith('select') || wait === 'runtime.selectgo') {
    return {
      rule: 'select',
      hint: `${who} wait in a select where no case can fire (in ${e.blockingFunction}). Make sure one always can: add case <-ctx.Done() with a context cancelled when the work ends, or a timeout; close the channels the other cases wait on.`,
    }
  }
  if (reason.startsWith('io wait') || wait === 'runtime.netpollblock') {
    return {
      rule: 'io-wait',
      hint: `${who} wait on network I/O that never completes (in ${e.blockingFunction}). Set deadlines (http.Client.Timeout, SetReadDeadline, a context with a timeout) and close the connections you open.`,
    }
  }
  if (
    reason.startsWith('semacquire') ||
    reason.startsWith('sync.') ||
    /^runtime\.(semacquire|notifyListWait)/.test(wait)
  ) {
    return {
      rule: 'sync',
      hint: `${who} wait on a lock, WaitGroup or Cond that is never released (in ${e.blockingFunction}). Pair every Add with a Done (defer wg.Done()), every Lock with an Unlock (defer mu.Unlock()), and signal or broadcast the Cond on every path.`,
    }
  }
  if (
    reason.startsWith('sleep') ||
    fns.includes('time.Sleep') ||
    fns.some((f) => f.startsWith('time.(*Ticker)'))
  ) {
    return {
      rule: 'sleep',
      hint: `${who} loop forever on a timer or sleep (in ${e.blockingFunction}). Stop them with a context or a done channel, and Stop() tickers when done.`,
    }
  }
  return {
    rule: 'goroutine',
    hint: `${who} never exit (parked in ${e.blockingFunction}). Give every goroutine a reachable exit: pass a context and return on ctx.Done(), and make sure whatever it waits for always happens.`,
  }
}

// ------------------------------------------------------------------ connections

export function connectionLeakHint(caller: string | undefined): Hint {
  const where = caller ? ` in ${caller}` : ''
  return {
    rule: 'response-body',
    hint: `Close the HTTP response body${where}: defer resp.Body.Close() right after checking the error of client.Do/Get/Post, and drain it first (io.Copy(io.Discard, resp.Body)) so the connection goes back to the pool instead of a new one being dialled for every request.`,
  }
}

// ------------------------------------------------------------------ RSS

export interface RssHintEvidence {
  rssGrowth: number
  /** Growth of the MemStats fields over the run; undefined where MemStats were not read. */
  stackInuseGrowth?: number
  /** Growth of HeapIdle - HeapReleased: memory the runtime holds but has not returned to the OS. */
  unreturnedGrowth?: number
  sysGrowth?: number
  heapSysGrowth?: number
  goroutineGrowth?: number
  gomemlimit?: string
  platform?: string
}

export function rssGrowthHint(e: RssHintEvidence): Hint {
  const half = 0.5 * e.rssGrowth
  if (
    (e.stackInuseGrowth ?? 0) >= half ||
    ((e.stackInuseGrowth ?? 0) >= 0.25 * e.rssGrowth && (e.goroutineGrowth ?? 0) > 0)
  ) {
    return {
      rule: 'stacks',
      hint: `Goroutine stacks grew by ${formatBytesInText(e.stackInuseGrowth ?? 0)} (StackInuse): goroutines that do not exit, or deep recursion. Look at the goroutine counts; each parked goroutine keeps its stack.`,
    }
  }
  if ((e.unreturnedGrowth ?? 0) >= half) {
    const limit = e.gomemlimit ? `GOMEMLIMIT is ${e.gomemlimit}; lower it` : 'Set GOMEMLIMIT'
    return {
      rule: 'not-returned',
      hint: `The heap is flat but the runtime keeps ${formatBytesInText(e.unreturnedGrowth ?? 0)} more of freed memory it has not returned to the OS (HeapIdle - HeapReleased), which RSS still counts (on macOS, MADV_FREE pages stay in RSS until there is memory pressure). ${limit} so the scavenger returns memory sooner, try GODEBUG=madvdontneed=1 on Linux, or call debug.FreeOSMemory() after bursts; it is not a leak in your code.`,
    }
  }
  if (e.sysGrowth !== undefined && e.sysGrowth < 0.25 * e.rssGrowth) {
    return {
      rule: 'outside-go',
      hint: `RSS grew by ${formatBytesInText(e.rssGrowth)} while the Go runtime's own memory (Sys) grew by only ${formatBytesInText(e.sysGrowth)}: the memory is outside the Go heap, in cgo or C libraries, or in memory-mapped files. Check C allocations are freed (C.free) and mappings unmapped.`,
    }
  }
  if (e.heapSysGrowth !== undefined && e.heapSysGrowth >= half) {
    return {
      rule: 'fragmentation',
      hint: `The runtime reserved ${formatBytesInText(e.heapSysGrowth)} more heap (HeapSys) while live data stayed flat: heap fragmentation or a GC that lets the heap grow (GOGC). Set GOMEMLIMIT to cap it, and look for large short-lived allocations.`,
    }
  }
  return {
    rule: 'runtime',
    hint: `RSS grows while the live heap does not: runtime overhead, memory not yet returned to the OS, or allocations outside Go (cgo). Compare Sys, HeapReleased and StackInuse in the details; GOMEMLIMIT makes the runtime return memory sooner.`,
  }
}
