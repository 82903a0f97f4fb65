// Shared by the profile tests: the golden fixtures, what go tool pprof said
// about them (expected.json), and a builder for hand-made profiles.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Profile as PbProfile, StringTable, type ProfileInput } from 'pprof-format'

export const FIXTURES = fileURLToPath(new URL('../fixtures/profiles/', import.meta.url))

export function fixture(name: string): Buffer {
  return readFileSync(FIXTURES + name)
}

export function fixtureText(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8')
}

export interface PprofTop {
  golden: string
  shown: number
  total: number
  rows: { name: string; flat: number; cum: number; inline?: 'inline' | 'partial-inline' }[]
}

export interface Expected {
  profiles: Record<string, Record<string, PprofTop>>
  diff: Record<string, PprofTop & { base: string; head: string }>
}

export const expected = JSON.parse(fixtureText('expected.json')) as Expected

/** The part of a pprof -top text from "Showing nodes" on (the header has times and build ids). */
export function fromShowing(text: string): string {
  const at = text.indexOf('Showing nodes')
  if (at < 0) throw new Error('no "Showing nodes" line')
  return text.slice(at)
}

export interface FuncSpec {
  name: string
  file?: string
}

export interface ProfileSpec {
  sampleTypes: [string, string][]
  functions?: FuncSpec[]
  /** Each location: the function ids (1-based) of its lines, innermost first. */
  locations?: number[][]
  samples: { locations: number[]; values: (number | bigint)[]; labels?: Record<string, string | number> }[]
  /** Raw overrides applied after building (to break things on purpose). */
  patch?: (input: ProfileInput, strings: StringTable) => void
}

/** Encodes a profile with pprof-format's own encoder: strings by name, ids 1-based. */
export function buildProfile(spec: ProfileSpec): Uint8Array {
  const st = new StringTable()
  const input: ProfileInput = {
    sampleType: spec.sampleTypes.map(([type, unit]) => ({ type: st.dedup(type), unit: st.dedup(unit) })),
    function: (spec.functions ?? []).map((f, i) => ({
      id: i + 1,
      name: st.dedup(f.name),
      systemName: st.dedup(f.name),
      filename: st.dedup(f.file ?? 'main.go'),
    })),
    location: (spec.locations ?? []).map((fids, i) => ({
      id: i + 1,
      address: 0x1000 + i * 16,
      line: fids.map((functionId, j) => ({ functionId, line: 10 * (j + 1) })),
    })),
    sample: spec.samples.map((s) => ({
      locationId: s.locations,
      value: s.values,
      label: Object.entries(s.labels ?? {}).map(([k, v]) =>
        typeof v === 'number' ? { key: st.dedup(k), num: v } : { key: st.dedup(k), str: st.dedup(v) },
      ),
    })),
    stringTable: st,
  }
  spec.patch?.(input, st)
  return new PbProfile(input).encode()
}
