import { absTotal } from './aggregate.js'
import { FunctionAccumulator, type AggregateOptions, type InlineMark } from './function-accumulator.js'
import { decodeProfile, type DecodeOptions } from './decode.js'
import { ProfileError } from './profile-error.js'
import { defaultSampleType, hasSampleType, valueIndex } from './sample-types.js'
import { formatTop } from './top-format.js'
import type { Func, Profile, ValueType } from '../model/profile.js'

export interface DiffRow {
  name: string
  func: Func
  /** head − base of the flat value. */
  flat: number
  /** head − base of the cumulative value. */
  cum: number
  inline?: InlineMark
}

export interface DiffTable {
  sampleType: ValueType
  /**
   * What pprof's percentages are relative to: the sum of |base values|
   * (or, when base is empty, of all values of both profiles).
   */
  total: number
  baseTotal: number
  headTotal: number
  /** Sorted by |flat delta| descending, then name, then |cum delta|, like `go tool pprof -top -diff_base`. */
  rows: DiffRow[]
  /** The inline marks of a report that keeps only these rows. */
  inlineMarks: (kept?: ReadonlySet<string>, edgeFraction?: number) => Map<string, InlineMark>
}

/**
 * head − base per function, as `go tool pprof -top -diff_base base head`
 * computes it: base's samples count negatively, functions whose flat and cum
 * both cancel out are dropped.
 */
export function diffProfiles(
  base: Profile,
  head: Profile,
  sampleType: string,
  opts: AggregateOptions = {},
): DiffTable {
  const bi = valueIndex(base, sampleType)
  const hi = valueIndex(head, sampleType)
  const unitOf = (p: Profile, i: number): string => p.sampleTypes[i]!.unit
  if (unitOf(base, bi) !== unitOf(head, hi)) {
    throw new ProfileError(
      `cannot diff ${sampleType}: base is in ${unitOf(base, bi)}, head in ${unitOf(head, hi)}`,
    )
  }
  const acc = new FunctionAccumulator(opts)
  acc.add(head, sampleType, 1)
  acc.add(base, sampleType, -1)
  const baseTotal = absTotal(base, bi)
  const headTotal = absTotal(head, hi)
  return {
    sampleType: head.sampleTypes[hi]!,
    total: baseTotal > 0 ? baseTotal : baseTotal + headTotal,
    baseTotal,
    headTotal,
    rows: acc.rows(opts),
    inlineMarks: (kept, edgeFraction) => acc.inlineMarks(kept, edgeFraction),
  }
}

export interface DiffFilesOptions extends DecodeOptions {
  /** Default: inuse_space when either profile has it (heap), else pprof's default for head. */
  sampleType?: string
  /** Rows to print (pprof -nodecount). Default: all. */
  limit?: number
  /** pprof -nodefraction. Default 0.005, as pprof. */
  nodeFraction?: number
  /** Names shown for base and head (file paths, say). */
  names?: readonly [string, string]
}

/** What `memleak diff BASE HEAD` prints: decode both, diff, and lay out a pprof -top table. */
export function diffFiles(baseBytes: Uint8Array, headBytes: Uint8Array, opts: DiffFilesOptions = {}): string {
  const [baseName, headName] = opts.names ?? ['base', 'head']
  const decode = (bytes: Uint8Array, name: string): Profile => {
    try {
      return decodeProfile(bytes, opts)
    } catch (err) {
      if (err instanceof ProfileError) throw new ProfileError(`${name}: ${err.message}`, { cause: err })
      throw err
    }
  }
  const base = decode(baseBytes, baseName)
  const head = decode(headBytes, headName)
  const sampleType =
    opts.sampleType ??
    // A heap profile on either side makes this a heap diff: the other file, if it is
    // not one, is then the one named as wrong.
    (hasSampleType(base, 'inuse_space') || hasSampleType(head, 'inuse_space')
      ? 'inuse_space'
      : defaultSampleType(head))
  // Name the file that lacks the sample type (a CPU profile given where a heap profile belongs, say).
  for (const [profile, name] of [
    [base, baseName],
    [head, headName],
  ] as const) {
    if (!hasSampleType(profile, sampleType)) {
      try {
        valueIndex(profile, sampleType)
      } catch (err) {
        throw new ProfileError(`${name}: ${(err as Error).message}`, { cause: err })
      }
    }
  }
  const table = diffProfiles(base, head, sampleType)
  return formatTop(table.rows, table.sampleType.unit, {
    total: table.total,
    inlineMarks: table.inlineMarks,
    limit: opts.limit,
    nodeFraction: opts.nodeFraction,
    labels: [`Type: ${sampleType}`, `Base: ${baseName}`, `Head: ${headName}`],
  })
}
