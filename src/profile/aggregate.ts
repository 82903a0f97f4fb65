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
  /**
   * pprof's "(inline)" marks for the whole graph, or for a report that keeps
   * only the `kept` rows (see FunctionAccumulator.inlineMarks). formatTable uses it.
   */
  inlineMarks: (kept?: ReadonlySet<string>, edgeFraction?: number) => Map<string, InlineMark>
}

export interface AggregateOptions {
  /** Groups functions; called once per distinct Func, not per frame. Default: the function name, as pprof does. */
  key?: (func: Func) => string
  /** Fill FunctionRow.inline as pprof -top marks it (two more passes over the stacks). Default false. */
  inlineMarks?: boolean
}

/** Per-key accumulator; `stamp` makes cum count a key once per sample without a Set. */
class Acc {
  flat = 0
  cum = 0
  stamp = -1
  // State of the current inlineMarks pass, reset at its start (fields, not maps, keep the passes cheap).
  kept = false
  inlinable = false
  /** Incoming edges by caller, for inlinable functions only. */
  edges: Map<Acc, Edge> | undefined
  constructor(
    readonly name: string,
    readonly func: Func,
  ) {}
}

/** A caller → callee edge of pprof's graph: weight counted once per sample, inline if every call was inlined. */
interface Edge {
  weight: number
  stamp: number
  inline: boolean
}

interface Input {
  samples: readonly Sample[]
  index: number
  sign: 1 | -1
  accOf: (func: Func) => Acc
}

/** Groups by function, accumulating one or more profiles with a sign each (a diff is head +1, base −1). */
export class FunctionAccumulator {
  readonly #key: (func: Func) => string
  readonly #byFunc = new Map<Func, Acc>()
  readonly #byKey = new Map<string, Acc>()
  readonly #inputs: Input[] = []
  #sampleSeq = 0

  constructor(opts: { key?: (func: Func) => string } = {}) {
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
    // Decoded Funcs carry a dense index: an array lookup per frame instead of a hash lookup.
    // Grown by push so V8 keeps it a fast array (a store far past the end would make it a dictionary).
    const local: (Acc | undefined)[] = []
    const accOf = (func: Func): Acc => {
      const i = func.index
      if (i === undefined) return this.#acc(func)
      const hit = local[i]
      if (hit) return hit
      while (local.length <= i) local.push(undefined)
      return (local[i] = this.#acc(func))
    }
    this.#inputs.push({ samples, index, sign, accOf })
    for (let si = 0; si < samples.length; si++) {
      const sample = samples[si]!
      const v = sign * sample.values[index]!
      // pprof skips zero-valued samples entirely (they do not even create nodes).
      if (v === 0) continue
      const stack = sample.stack
      const n = stack.length
      if (n === 0) continue
      const stamp = this.#sampleSeq++
      accOf(stack[0]!.func).flat += v
      for (let i = 0; i < n; i++) {
        const acc = accOf(stack[i]!.func)
        if (acc.stamp !== stamp) {
          acc.stamp = stamp
          acc.cum += v
        }
      }
    }
  }

  /**
   * Rows with a non-zero flat or cum (pprof drops the others). With
   * `inlineMarks`, each row also gets pprof's "(inline)" mark, which costs
   * two more passes over the stacks.
   */
  rows(opts: { inlineMarks?: boolean } = {}): FunctionRow[] {
    const marks = opts.inlineMarks ? this.inlineMarks() : undefined
    const rows: FunctionRow[] = []
    for (const a of this.#byKey.values()) {
      if (a.flat === 0 && a.cum === 0) continue
      const row: FunctionRow = { name: a.name, func: a.func, flat: a.flat, cum: a.cum }
      const mark = marks?.get(a.name)
      if (mark) row.inline = mark
      rows.push(row)
    }
    return rows.sort(compareRows)
  }

  /**
   * pprof's "(inline)" marks. pprof keeps one edge per (caller, callee) pair,
   * inline only if every call along it was inlined, and drops edges whose
   * |weight| is under edgeFraction (default 0.001) of the total before it
   * labels nodes: "inline" when all remaining incoming edges are inline,
   * "partial-inline" when only some are.
   *
   * When a report keeps only some nodes, pprof rebuilds the graph from them,
   * so a node's caller becomes the nearest kept frame above it: pass `kept`
   * (the names shown) to get the marks of such a report.
   *
   * Edges are only recorded into functions that were inlined somewhere, which
   * keeps memory bounded by their callers.
   */
  inlineMarks(kept?: ReadonlySet<string>, edgeFraction = 0.001): Map<string, InlineMark> {
    let netFlat = 0
    for (const a of this.#byKey.values()) {
      a.kept = !kept || kept.has(a.name)
      a.inlinable = false
      a.edges = undefined
      netFlat += a.flat
    }
    const cutoff = Math.abs(Math.trunc(netFlat * edgeFraction))
    let any = false
    for (const { samples, index, accOf } of this.#inputs) {
      for (const sample of samples) {
        if (sample.values[index] === 0) continue
        const stack = sample.stack
        for (let i = 0; i < stack.length - 1; i++) {
          if (stack[i]!.inlined) {
            const a = accOf(stack[i]!.func)
            if (a.kept) any = a.inlinable = true
          }
        }
      }
    }
    const marks = new Map<string, InlineMark>()
    if (!any) return marks

    let seq = 0
    for (const { samples, index, accOf, sign } of this.#inputs) {
      for (const sample of samples) {
        const w = sign * sample.values[index]!
        if (w === 0) continue
        const stamp = seq++
        const stack = sample.stack
        for (let i = 0; i < stack.length - 1; i++) {
          const frame = stack[i]!
          const callee = accOf(frame.func)
          if (!callee.inlinable) continue
          let caller: Acc | undefined
          for (let j = i + 1; j < stack.length && !caller; j++) {
            const c = accOf(stack[j]!.func)
            if (c.kept) caller = c
          }
          if (!caller || caller === callee) continue
          const edges = (callee.edges ??= new Map())
          let e = edges.get(caller)
          if (!e) edges.set(caller, (e = { weight: 0, stamp: -1, inline: true }))
          if (e.stamp !== stamp) {
            e.stamp = stamp
            e.weight += w
          }
          if (!frame.inlined) e.inline = false
        }
      }
    }
    for (const a of this.#byKey.values()) {
      if (!a.edges) continue
      let inline = false
      let plain = false
      for (const e of a.edges.values()) {
        if (Math.abs(e.weight) < cutoff) continue
        if (e.inline) inline = true
        else plain = true
      }
      if (inline) marks.set(a.name, plain ? 'partial-inline' : 'inline')
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
    rows: acc.rows(opts),
    inlineMarks: (kept, edgeFraction) => acc.inlineMarks(kept, edgeFraction),
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
