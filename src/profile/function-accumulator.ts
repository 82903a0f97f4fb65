// Grouping samples by function, as `go tool pprof -top` does: flat and cum per
// function over one or more profiles with a sign each (a diff adds head and
// subtracts base), and pprof's "(inline)" marks from the call graph's edges.
import { valueIndex } from './sample-types.js'
import { sampleColumns } from './stacks.js'
import type { Func, Profile } from '../model/profile.js'

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

/**
 * One profile added to the accumulator: its stacks as location indexes, and
 * each location's frames as accumulator ids with their inline flags
 * (frames of location l are frameAcc[frameStart[l]] up to frameStart[l + 1]).
 */
interface Input {
  /** The chosen sample type's value of each sample, times the input's sign. */
  weights: Float64Array
  locs: Int32Array
  offsets: Int32Array
  frameStart: Int32Array
  frameAcc: Int32Array
  frameInlined: Uint8Array
}

/** Groups by function, accumulating one or more profiles with a sign each (a diff is head +1, base −1). */
export class FunctionAccumulator {
  readonly #key: (func: Func) => string
  readonly #byFunc = new Map<Func, Acc>()
  readonly #byKey = new Map<string, Acc>()
  /** Every Acc, by id (its position here). */
  readonly #accs: Acc[] = []
  readonly #ids = new Map<Acc, number>()
  readonly #inputs: Input[] = []
  #sampleSeq = 0

  constructor(opts: { key?: (func: Func) => string } = {}) {
    this.#key = opts.key ?? ((f) => f.name)
  }

  #acc(func: Func): number {
    let acc = this.#byFunc.get(func)
    if (!acc) {
      const key = this.#key(func)
      acc = this.#byKey.get(key)
      if (!acc) {
        acc = new Acc(key, func)
        this.#byKey.set(key, acc)
        this.#ids.set(acc, this.#accs.length)
        this.#accs.push(acc)
      }
      this.#byFunc.set(func, acc)
    }
    return this.#ids.get(acc)!
  }

  add(profile: Profile, sampleType: string, sign: 1 | -1 = 1): void {
    const index = valueIndex(profile, sampleType)
    const nTypes = profile.sampleTypes.length
    const { table, locs, offsets, values } = sampleColumns(profile)
    const count = offsets.length - 1
    const weights = new Float64Array(count)
    for (let si = 0; si < count; si++) weights[si] = sign * values[si * nTypes + index]!
    // Each location's frames resolved to accumulator ids once, so the loops below touch only typed arrays.
    const frameStart = new Int32Array(table.length + 1)
    for (let l = 0; l < table.length; l++) frameStart[l + 1] = frameStart[l]! + table[l]!.frames.length
    const frameAcc = new Int32Array(frameStart[table.length]!)
    const frameInlined = new Uint8Array(frameAcc.length)
    for (let l = 0, f = 0; l < table.length; l++) {
      for (const frame of table[l]!.frames) {
        frameAcc[f] = this.#acc(frame.func)
        frameInlined[f++] = frame.inlined ? 1 : 0
      }
    }
    this.#inputs.push({ weights, locs, offsets, frameStart, frameAcc, frameInlined })
    const accs = this.#accs
    for (let si = 0; si < count; si++) {
      const v = weights[si]!
      // pprof skips zero-valued samples entirely (they do not even create nodes).
      if (v === 0) continue
      const start = offsets[si]!
      const end = offsets[si + 1]!
      if (start === end) continue
      const stamp = this.#sampleSeq++
      accs[frameAcc[frameStart[locs[start]!]!]!]!.flat += v
      for (let p = start; p < end; p++) {
        const l = locs[p]!
        for (let f = frameStart[l]!, fe = frameStart[l + 1]!; f < fe; f++) {
          const acc = accs[frameAcc[f]!]!
          if (acc.stamp !== stamp) {
            acc.stamp = stamp
            acc.cum += v
          }
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
   *
   * Long (over 80 lines) because its three passes over every sample (mark, record edges, label) share the
   * flattened-frame buffers, grown in place; split up, the hot loop would pass them around per sample.
   */
  inlineMarks(kept?: ReadonlySet<string>, edgeFraction = 0.001): Map<string, InlineMark> {
    let netFlat = 0
    for (const a of this.#byKey.values()) {
      a.kept = !kept || kept.has(a.name)
      a.inlinable = false
      a.edges = undefined
      netFlat += a.flat
    }
    const accs = this.#accs
    const cutoff = Math.abs(Math.trunc(netFlat * edgeFraction))
    let any = false
    // A sample's frames, flattened: accumulator ids and inline flags.
    let ids = new Int32Array(256)
    let inl = new Uint8Array(256)
    const flatten = (input: Input, si: number): number => {
      const { locs, offsets, frameStart, frameAcc, frameInlined } = input
      let n = 0
      for (let p = offsets[si]!, end = offsets[si + 1]!; p < end; p++) {
        const l = locs[p]!
        for (let f = frameStart[l]!, fe = frameStart[l + 1]!; f < fe; f++) {
          if (n === ids.length) {
            const grownIds = new Int32Array(n * 2)
            grownIds.set(ids)
            ids = grownIds
            const grownInl = new Uint8Array(n * 2)
            grownInl.set(inl)
            inl = grownInl
          }
          ids[n] = frameAcc[f]!
          inl[n++] = frameInlined[f]!
        }
      }
      return n
    }

    for (const input of this.#inputs) {
      const weights = input.weights
      for (let si = 0; si < weights.length; si++) {
        if (weights[si] === 0) continue
        const n = flatten(input, si)
        for (let i = 0; i < n - 1; i++) {
          if (inl[i]) {
            const a = accs[ids[i]!]!
            if (a.kept) any = a.inlinable = true
          }
        }
      }
    }
    const marks = new Map<string, InlineMark>()
    if (!any) return marks

    let seq = 0
    for (const input of this.#inputs) {
      const weights = input.weights
      for (let si = 0; si < weights.length; si++) {
        const w = weights[si]!
        if (w === 0) continue
        const stamp = seq++
        const n = flatten(input, si)
        for (let i = 0; i < n - 1; i++) {
          const callee = accs[ids[i]!]!
          if (!callee.inlinable) continue
          let caller: Acc | undefined
          for (let j = i + 1; j < n && !caller; j++) {
            const c = accs[ids[j]!]!
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
          if (!inl[i]) e.inline = false
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
