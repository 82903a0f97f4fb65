// By-function tables of one profile (pprof -top), totals, and sums of samples
// grouped by any key; the accumulating itself is function-accumulator.ts.
import { valueIndex } from './sample-types.js'
import { sampleColumns } from './stacks.js'
import type { Profile, Sample, ValueType } from '../model/profile.js'
import {
  FunctionAccumulator,
  type AggregateOptions,
  type FunctionRow,
  type InlineMark,
} from './function-accumulator.js'

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
  const nTypes = profile.sampleTypes.length
  const { values } = sampleColumns(profile)
  let sum = 0
  for (let at = index; at < values.length; at += nTypes) sum += Math.abs(values[at]!)
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
  const nTypes = profile.sampleTypes.length
  const { values } = sampleColumns(profile)
  const groups = new Map<K, Group<K>>()
  const samples = profile.samples
  for (let si = 0; si < samples.length; si++) {
    const sample = samples[si]!
    const k = key(sample)
    if (k === undefined) continue
    const v = values[si * nTypes + index]!
    const g = groups.get(k)
    if (g) {
      g.value += v
      g.samples++
    } else groups.set(k, { key: k, value: v, samples: 1, first: sample })
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
