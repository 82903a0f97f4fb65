// RSS that grows outside the Go heap leaves no heap stack to blame. What maps it
// does leave a trace in a CPU profile: the mmap system calls made on the Go side,
// the calls into C (cgo's malloc, a C library's allocator), and then the page
// faults of touching the new memory, charged to the code that touches it. So the
// candidates are the own functions that make mapping calls, and the one whose
// share of CPU grew most from base to head is the line a reviewer reads first;
// the report says "near", as CPU time is evidence, not proof.
import type { Frame, Profile } from '../model/profile.js'
import { frameText, isOwnFunction, MAX_STACK_FRAMES, sourceFrame, valueIndex } from './sites.js'
import type { SourceFrame } from '../model/analysis.js'

/** Go-side mmap and the way into C. The runtime's own mmap (heap growth) is not here: the heap profile sees that. */
const MAPS_MEMORY =
  /^(syscall\.(mmap|Mmap)|golang\.org\/x\/sys\/unix\.(mmap|Mmap|MmapPtr|\(\*mmapper\)\.Mmap)|runtime\.(cgocall|asmcgocall)|.*\._Cfunc_\w+)$/
/** cgo's generated wrappers sit in the service's package but are not a line anyone wrote. */
const CGO_WRAPPER = /\._C(func|Cmalloc)_|\._cgo_/
/** Below this many CPU samples under a function, its share is noise. */
export const MIN_CPU_SAMPLES = 5

export interface OffHeapCaller {
  /** The own frame that makes the mapping call (its line is the call). */
  own: SourceFrame
  /** The library or runtime call it makes (what it maps through). */
  via: string
  /** A stack of the mapping call, leaf first, as "function file:line". */
  stack: string[]
  /** CPU samples with the own function on the stack, on head. */
  samples: number
  /** That as a share of head's CPU samples; base's share of the same function, when base was profiled. */
  share: number
  baseShare?: number
}

interface MappingCall {
  own: Frame
  via: Frame
  stack: readonly Frame[]
  samples: number
}

interface CpuTally {
  /** The heaviest mapping call under each own function that makes one. */
  mapping: Map<string, MappingCall>
  /** Samples with each own function anywhere on the stack. */
  cumulative: Map<string, number>
  total: number
}

function isAuthored(name: string, modulePath: string): boolean {
  return isOwnFunction(name, modulePath) && !CGO_WRAPPER.test(name)
}

function tallyCpu(profile: Profile, modulePath: string): CpuTally {
  const mapping = new Map<string, MappingCall>()
  const cumulative = new Map<string, number>()
  const vi = Math.max(0, valueIndex(profile, 'samples'))
  let total = 0
  for (const sample of profile.samples) {
    const n = sample.values[vi] ?? 0
    total += n
    const stack = sample.stack
    const seen = new Set<string>()
    for (const f of stack) {
      if (!isAuthored(f.func.name, modulePath) || seen.has(f.func.name)) continue
      seen.add(f.func.name)
      cumulative.set(f.func.name, (cumulative.get(f.func.name) ?? 0) + n)
    }
    const at = stack.findIndex((f) => MAPS_MEMORY.test(f.func.name))
    if (at < 0) continue
    const ownAt = stack.findIndex((f, i) => i > at && isAuthored(f.func.name, modulePath))
    if (ownAt < 0) continue
    const own = stack[ownAt]!
    const call = mapping.get(own.func.name)
    if (!call || call.samples < n)
      mapping.set(own.func.name, { own, via: stack[ownAt - 1]!, stack, samples: n })
  }
  return { mapping, cumulative, total }
}

/**
 * Of the own functions that make mapping calls on head, the one whose share of CPU
 * grew most over base's (all of it, when base was not profiled); undefined when none
 * has enough samples to say.
 */
export function offHeapCaller(
  head: Profile | undefined,
  base: Profile | undefined,
  modulePath: string,
): OffHeapCaller | undefined {
  if (!head) return undefined
  const h = tallyCpu(head, modulePath)
  if (h.total <= 0) return undefined
  const b = base ? tallyCpu(base, modulePath) : undefined
  let best: { call: MappingCall; samples: number; score: number; baseShare?: number } | undefined
  for (const [name, call] of h.mapping) {
    const samples = h.cumulative.get(name) ?? 0
    if (samples < MIN_CPU_SAMPLES) continue
    const baseShare = b && b.total > 0 ? (b.cumulative.get(name) ?? 0) / b.total : undefined
    const score = samples / h.total - (baseShare ?? 0)
    if (!best || score > best.score) best = { call, samples, score, baseShare }
  }
  if (!best) return undefined
  const { call } = best
  return {
    own: sourceFrame(call.own),
    via: call.via.func.name,
    stack: call.stack.slice(0, MAX_STACK_FRAMES).map(frameText),
    samples: best.samples,
    share: best.samples / h.total,
    ...(best.baseShare !== undefined ? { baseShare: best.baseShare } : {}),
  }
}
