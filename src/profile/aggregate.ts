import { valueIndex } from './sample-types.js'
import type { Func, Profile, Sample, ValueType } from './types.js'

/** One row of a by-function table, as a line of `go tool pprof -top`. */
export interface FunctionRow {
  /** The grouping key: the function name unless a custom key was given. */
  name: string
  /** The first function seen with this key (file and start line for display). */
  func: Func
  /** Value of samples whose leaf frame is this function. */
  flat: number
  /** Value of samples with this function anywhere on the stack, counted once per sample. */
  cum: number
  /** pprof's "(inline)" / "(partial-inline)" mark: every (or some) call into it was inlined. */
  inline?: InlineMark
}

export type InlineMark = 'inline' | 'partial-inline'

export interface FunctionTable {
  sampleType: ValueType
  /** Sum of the absolute sample values: what pprof's percentages are relative to. */
  total: number
  /** Sorted as pprof -top sorts: |flat| descending, then name, then |cum| descending. */
  rows: FunctionRow[]
  /** The inline marks of a report that keeps only these rows (see FunctionAccumulator.inlineMarks). */
  inlineMarks: (kept: ReadonlySet<string>) => Map<string, InlineMark>
}

export interface AggregateOptions {
  /** Groups functions; called once per distinct Func, not per frame. Default: the function name, as pprof does. */
  key?: (func: Func) => string
}

/** Per-key accumulator; `stamp` makes cum count a key once per sample without a Set. */
class Acc {
  flat = 0
  cum = 0
  stamp = -1
  anyInlined = false
  constructor(
    readonly name: string,
    readonly func: Func,
  ) {}
}

/** Groups by function, accumulating one or more profiles with a sign each (a diff is head +1, base −1). */
export class FunctionAccumulator {
  readonly #key: (func: Func) => string
  readonly #byFunc = new Map<Func, Acc>()
  readonly #byKey = new Map<string, Acc>()
  readonly #inputs: { samples: readonly Sample[]; index: number }[] = []
  #sampleSeq = 0

  constructor(opts: AggregateOptions = {}) {
    this.#key = opts.key ?? ((f) => f.name)
  }

  #acc(func: Func): Acc {
    let acc = this.#byFunc.get(func)
    if (acc) return acc
    const key = this.#key(func)
    acc = this.#byKey.get(key)
    if (!acc) {
      acc = new Acc(key, func)
      this.#byKey.set(key, acc)
    }
    this.#byFunc.set(func, acc)
    return acc
  }

  add(profile: Profile, sampleType: string, sign: 1 | -1 = 1): void {
    const index = valueIndex(profile, sampleType)
    const samples = profile.samples
    this.#inputs.push({ samples, index })
    for (let si = 0; si < samples.length; si++) {
      const sample = samples[si]!
      const v = sign * sample.values[index]!
      // pprof skips zero-valued samples entirely (they do not even create nodes).
      if (v === 0) continue
      const stack = sample.stack
      if (stack.length === 0) continue
      const stamp = this.#sampleSeq++
      for (let i = 0; i < stack.length; i++) {
        const frame = stack[i]!
        const acc = this.#acc(frame.func)
        if (i === 0) acc.flat += v
        if (acc.stamp !== stamp) {
          acc.stamp = stamp
          acc.cum += v
        }
        if (frame.inlined) acc.anyInlined = true
      }
    }
  }

  /**
   * Rows with a non-zero flat or cum (pprof drops the others), with pprof's
   * inline marks for the full graph.
   */
  rows(): FunctionRow[] {
    const marks = this.inlineMarks()
    const rows: FunctionRow[] = []
    for (const a of this.#byKey.values()) {
      if (a.flat === 0 && a.cum === 0) continue
      const row: FunctionRow = { name: a.name, func: a.func, flat: a.flat, cum: a.cum }
      const mark = marks.get(a.name)
      if (mark) row.inline = mark
      rows.push(row)
    }
    return rows.sort(compareRows)
  }

  /**
   * pprof's "(inline)" marks: a node is inline when every caller edge into it
   * is inline (all its calls from that caller were inlined), partial-inline
   * when only some are. When a report keeps only some nodes, pprof rebuilds
   * the graph from the kept ones, so a node's caller becomes the nearest kept
   * frame above it: pass `kept` to get the marks of such a report. Only the
   * functions ever seen inlined are visited, in a second pass over the stacks.
   */
  inlineMarks(kept?: ReadonlySet<string>): Map<string, InlineMark> {
    const marks = new Map<string, InlineMark>()
    let any = false
    for (const a of this.#byKey.values()) if (a.anyInlined && (!kept || kept.has(a.name))) any = true
    if (!any) return marks
    const isKept = (a: Acc): boolean => !kept || kept.has(a.name)
    const edges = new Map<Acc, Map<Acc, boolean>>()
    for (const { samples, index } of this.#inputs) {
      for (const sample of samples) {
        if (sample.values[index] === 0) continue
        const stack = sample.stack
        for (let i = 0; i < stack.length - 1; i++) {
          const frame = stack[i]!
          const callee = this.#acc(frame.func)
          if (!callee.anyInlined || !isKept(callee)) continue
          let caller: Acc | undefined
          for (let j = i + 1; j < stack.length && !caller; j++) {
            const c = this.#acc(stack[j]!.func)
            if (isKept(c)) caller = c
          }
          if (!caller || caller === callee) continue
          let callers = edges.get(callee)
          if (!callers) edges.set(callee, (callers = new Map()))
          const inline = frame.inlined === true
          const prev = callers.get(caller)
          callers.set(caller, prev === undefined ? inline : prev && inline)
        }
      }
    }
    for (const [callee, callers] of edges) {
      let inline = 0
      for (const v of callers.values()) if (v) inline++
      if (inline > 0) marks.set(callee.name, inline === callers.size ? 'inline' : 'partial-inline')
    }
    return marks
  }
}

export function compareRows(a: { name: string; flat: number; cum: number }, b: typeof a): number {
  const fa = Math.abs(a.flat)
  const fb = Math.abs(b.flat)
  if (fa !== fb) return fb - fa
  if (a.name !== b.name) return a.name < b.name ? -1 : 1
  return Math.abs(b.cum) - Math.abs(a.cum)
}

/** Flat and cumulative value per function for one sample type, like `go tool pprof -top -sample_index=<type>`. */
export function aggregateByFunction(
  profile: Profile,
  sampleType: string,
  opts: AggregateOptions = {},
): FunctionTable {
  const acc = new FunctionAccumulator(opts)
  acc.add(profile, sampleType)
  const index = valueIndex(profile, sampleType)
  return {
    sampleType: profile.sampleTypes[index]!,
    total: absTotal(profile, index),
    rows: acc.rows(),
    inlineMarks: (kept) => acc.inlineMarks(kept),
  }
}

export function absTotal(profile: Profile, index: number): number {
  let sum = 0
  for (const s of profile.samples) sum += Math.abs(s.values[index]!)
  return sum
}

export interface Group<K> {
  key: K
  /** Sum of the chosen sample type. */
  value: number
  /** Number of samples in the group. */
  samples: number
  /** The group's first sample, for its stack. */
  first: Sample
}

/**
 * Sums one sample type over samples grouped by an arbitrary key (an
 * allocation site, a blocking frame...). Samples whose key is undefined are
 * skipped. Samples of value 0 still count: a site with nothing live is news.
 */
export function aggregateBySample<K>(
  profile: Profile,
  sampleType: string,
  key: (sample: Sample) => K | undefined,
): Map<K, Group<K>> {
  const index = valueIndex(profile, sampleType)
  const groups = new Map<K, Group<K>>()
  for (const sample of profile.samples) {
    const k = key(sample)
    if (k === undefined) continue
    const g = groups.get(k)
    if (g) {
      g.value += sample.values[index]!
      g.samples++
    } else groups.set(k, { key: k, value: sample.values[index]!, samples: 1, first: sample })
  }
  return groups
}

/**
 * A key naming a stack by its function names only (never lines, so it is
 * stable across builds), leaf first, at most `depth` frames.
 */
export function functionStackKey(sample: Sample, depth = Infinity): string {
  const stack = sample.stack
  const n = Math.min(depth, stack.length)
  const names = new Array<string>(n)
  for (let i = 0; i < n; i++) names[i] = stack[i]!.func.name
  return names.join(';')
}
