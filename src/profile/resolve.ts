// Building the resolved model (model/profile.ts) from pprof-format's decoded
// message: strings looked up, functions interned, locations expanded into
// frames, and the samples' columns attached.
import type { Profile as PbProfile } from 'pprof-format'
import { ProfileError } from './profile-error.js'
import { attachColumns } from './stacks.js'
import type { Frame, Func, Location, Profile, ValueType } from '../model/profile.js'
import type { SampleRanges } from './framing.js'
import { decodeSamples, IdIndex } from './samples.js'

type Numeric = number | bigint
type Str = (i: Numeric, what: string) => string

function int(v: Numeric): number {
  return typeof v === 'number' ? v : Number(BigInt.asIntN(64, v))
}

function uint(v: Numeric): number {
  return typeof v === 'number' ? v : Number(BigInt.asUintN(64, v))
}

export function resolve(pb: PbProfile, raw: Uint8Array, sampleRanges: SampleRanges): Profile {
  const strings = pb.stringTable?.strings ?? []
  if (strings.length === 0) throw new ProfileError('not a pprof profile: no string table')
  if (strings[0] !== '') throw new ProfileError('not a pprof profile: string table entry 0 is not empty')
  const str: Str = (i, what) => {
    const n = int(i)
    const s = strings[n]
    if (s === undefined) throw new ProfileError(`missing string table entry ${n} (${what})`)
    return s
  }
  const valueType = (v: { type: Numeric; unit: Numeric }, what: string): ValueType => ({
    type: str(v.type, `${what} type`),
    unit: str(v.unit, `${what} unit`),
  })

  const sampleTypes = pb.sampleType.map((v, i) => valueType(v, `sample type ${i}`))
  if (sampleTypes.length === 0) throw new ProfileError('not a pprof profile: no sample types')

  const { funcs, distinct } = functionTable(pb, str)
  const { table, indexOf } = locationTable(pb, funcs, distinct)

  const columns = decodeSamples(raw, sampleRanges, sampleTypes.length, table, indexOf, strings)

  const profile: Profile = {
    sampleTypes,
    samples: [], // replaced by attachColumns
    locations: table,
    period: int(pb.period),
    timeNanos: int(pb.timeNanos),
    durationNanos: int(pb.durationNanos),
  }
  if (pb.periodType) profile.periodType = valueType(pb.periodType, 'period type')
  const dst = int(pb.defaultSampleType)
  if (dst !== 0) profile.defaultSampleType = str(dst, 'default sample type')
  if (pb.comment.length > 0) profile.comments = pb.comment.map((c) => str(c, 'comment'))
  const main = pb.mapping[0]
  if (main) {
    const file = str(main.filename, 'mapping filename')
    const build = str(main.buildId, 'mapping build id')
    if (file) profile.mainBinary = file
    if (build) profile.buildId = build
  }
  attachColumns(profile, columns)
  return profile
}

/** One Func object per distinct function, so aggregation can key on identity; by id, and how many distinct. */
function functionTable(pb: PbProfile, str: Str): { funcs: Map<number, Func>; distinct: number } {
  const funcs = new Map<number, Func>()
  const interned = new Map<string, Func>()
  for (const f of pb.function) {
    const id = uint(f.id)
    // Which of two functions a location means would be a guess; pprof's CheckValid rejects it too.
    const prior = funcs.get(id)
    if (prior) {
      throw new ProfileError(
        `function ${id} defined twice (${prior.name}, ${str(f.name, `function ${id} name`)})`,
      )
    }
    const func: Func = Object.freeze({
      name: str(f.name, `function ${id} name`),
      systemName: str(f.systemName, `function ${id} system name`),
      filename: str(f.filename, `function ${id} filename`),
      startLine: int(f.startLine),
      index: interned.size,
    })
    const key = `${func.name}\0${func.systemName}\0${func.filename}\0${func.startLine}`
    const same = interned.get(key)
    if (same) funcs.set(id, same)
    else {
      interned.set(key, func)
      funcs.set(id, func)
    }
  }
  return { funcs, distinct: interned.size }
}

/** The location table, in the order the profile defines locations (samples hold indexes into it), and each id's index. */
function locationTable(
  pb: PbProfile,
  funcs: ReadonlyMap<number, Func>,
  distinct: number,
): { table: Location[]; indexOf: IdIndex } {
  const table: Location[] = []
  const indexOf = new IdIndex()
  const unsymbolized = new Map<number, Func>()
  for (const loc of pb.location) {
    const id = uint(loc.id)
    if (indexOf.get(id) !== undefined) throw new ProfileError(`location ${id} defined twice`)
    const address = uint(loc.address)
    // Go's runtime/pprof (and pprof's profile package) write an inlined call as
    // one location whose line[] runs from the innermost inlined callee to the
    // function it was inlined into: line[0] is the leaf, the last line is the
    // physical caller. Our stacks are leaf first, so line order is frame order.
    // Checked on test/fixtures/profiles/goroutine.pb.gz, where one location holds
    // internal/sync.(*Mutex).Lock, sync.(*Mutex).Lock, main.parkGoroutines.func5.
    const frames: Frame[] = []
    const n = loc.line.length
    for (let i = 0; i < n; i++) {
      const line = loc.line[i]!
      const fid = uint(line.functionId)
      const func = funcs.get(fid)
      if (!func) throw new ProfileError(`function ${fid} referenced by location ${id} but not defined`)
      const frame: Frame = { func, line: int(line.line), address }
      if (i < n - 1) frame.inlined = true
      frames.push(Object.freeze(frame))
    }
    if (n === 0) {
      // Unsymbolized: pprof names such a node by its address.
      let func = unsymbolized.get(address)
      if (!func) {
        const index = distinct + unsymbolized.size
        func = Object.freeze({
          name: `0x${address.toString(16)}`,
          systemName: '',
          filename: '',
          startLine: 0,
          index,
        })
        unsymbolized.set(address, func)
      }
      frames.push(Object.freeze({ func, line: 0, address }))
    }
    indexOf.set(id, table.length)
    table.push(Object.freeze({ id, address, frames: Object.freeze(frames) }))
  }
  Object.freeze(table)
  return { table, indexOf }
}
