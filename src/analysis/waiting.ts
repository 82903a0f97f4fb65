// What a goroutine waits on: the runtime function it is parked in, the frame
// that blocks, and the goroutine dump's entries for its stack (state, creator).
import type { Frame, GoroutineRecord } from '../model/profile.js'
import { isOwnFunction, isRuntimeFunction } from './sites.js'

/** The runtime function a goroutine is parked in: the last runtime frame before the first non-runtime one. */
export function waitFunction(stack: readonly Frame[]): string | undefined {
  let last: string | undefined
  for (const f of stack) {
    if (!isRuntimeFunction(f.func.name)) break
    last = f.func.name
  }
  return last
}

/** Where the goroutine waits: the first frame outside the runtime (internal/poll's runtime hooks count as runtime). */
export function blockingFrame(stack: readonly Frame[]): Frame | undefined {
  return (
    stack.find((f) => !isRuntimeFunction(f.func.name) && !f.func.name.startsWith('internal/')) ?? stack[0]
  )
}

const STATE_FROM_WAIT: [RegExp, string][] = [
  [/^runtime\.chansend/, 'chan send'],
  [/^runtime\.chanrecv/, 'chan receive'],
  [/^runtime\.selectgo$/, 'select'],
  [/^runtime\.block$/, 'select (no cases)'],
  [/^runtime\.netpollblock$/, 'IO wait'],
  [/^runtime\.semacquire/, 'semacquire'],
  [/^runtime\.notifyListWait$/, 'sync.Cond.Wait'],
]

/** The wait reason a parked goroutine's wait function implies, when the dump has none. */
export function stateFromWait(wait: string | undefined): string | undefined {
  return STATE_FROM_WAIT.find(([re]) => wait && re.test(wait))?.[1]
}

export interface DumpMatch {
  state?: string
  createdBy?: string
  createdAt?: string
  matched: number
}

/**
 * Goroutines of the text dump (debug=2) standing on this stack. The dump hides
 * runtime frames, so stacks are compared without them: exactly first, else by
 * the blocking frame and the own frame alone (lines or inlining may differ).
 * The state and creator reported are the most common among the matches.
 */
export function matchDump(
  stack: readonly Frame[],
  dump: readonly GoroutineRecord[] | undefined,
  modulePath: string,
): DumpMatch {
  if (!dump?.length) return { matched: 0 }
  const names = stack.map((f) => f.func.name).filter((n) => !isRuntimeFunction(n))
  const sig = names.join(' < ')
  const recNames = (r: GoroutineRecord) => r.frames.map((f) => f.func).filter((n) => !isRuntimeFunction(n))
  let matches = dump.filter((r) => recNames(r).join(' < ') === sig)
  if (!matches.length && names.length) {
    const own = names.find((n) => isOwnFunction(n, modulePath))
    matches = dump.filter((r) => {
      const rn = recNames(r)
      return rn[0] === names[0] && (!own || rn.includes(own))
    })
  }
  if (!matches.length) return { matched: 0 }
  const state = mostCommon(matches.map((r) => r.state))
  const creator = mostCommon(matches.map((r) => r.createdBy?.func).filter((v): v is string => !!v))
  const at = matches.find((r) => r.createdBy?.func === creator)?.createdBy
  return {
    state,
    createdBy: creator,
    createdAt: at ? `${at.file}:${at.line}` : undefined,
    matched: matches.length,
  }
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  let best: string | undefined
  let bestN = 0
  for (const [v, c] of counts) if (c > bestN) [best, bestN] = [v, c]
  return best
}
