// The layout's rules, read from src/'s imports: pure folders never touch the
// runner, a stage never reaches back to the wiring that calls it, github/ posts
// rendered text and never reads the analysis, and the shared model stands alone.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../../src')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

interface Edge {
  from: string
  /** A path under src/ without its suffix, or a package name (then `local` is false). */
  to: string
  local: boolean
}

const edges: Edge[] = sources(SRC).flatMap((file) => {
  const text = readFileSync(file, 'utf8')
  const from = relative(SRC, file)
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)].map((m) => {
    const spec = m[1]!
    const local = spec.startsWith('.')
    const to = local ? relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '') : spec
    return { from, to, local }
  })
})

const folderOf = (path: string): string => (path.includes('/') ? path.split('/')[0]! : '(top)')
const PURE = ['model', 'profile', 'analysis', 'report']
const STAGES = [
  'model',
  'build',
  'service',
  'sandbox',
  'load',
  'capture',
  'profile',
  'analysis',
  'report',
  'github',
]
/** What wires the stages together: the entry points at the top of src/, and run/ and action/. */
const WIRING = ['(top)', 'run', 'action']
const show = (list: Edge[]): string[] => list.map((e) => `${e.from} -> ${e.to}`)

describe('architecture', () => {
  it('reads the imports of every source file', () => {
    expect(edges.length).toBeGreaterThan(300)
  })

  it('pure folders never import @actions/*', () => {
    expect(
      show(edges.filter((e) => PURE.includes(folderOf(e.from)) && e.to.startsWith('@actions/'))),
    ).toEqual([])
  })

  it('no stage reaches back to the wiring (the entry points, run/, action/)', () => {
    const back = edges.filter(
      (e) => e.local && STAGES.includes(folderOf(e.from)) && WIRING.includes(folderOf(e.to)),
    )
    expect(show(back)).toEqual([])
  })

  it('github/ never imports analysis/: it takes rendered text and a verdict', () => {
    expect(show(edges.filter((e) => folderOf(e.from) === 'github' && folderOf(e.to) === 'analysis'))).toEqual(
      [],
    )
  })

  it('at most two modules import @actions/core: main.ts and the ActionsIO it hands down', () => {
    const core = [...new Set(edges.filter((e) => e.to === '@actions/core').map((e) => e.from))]
    expect(core.length, core.join(', ')).toBeLessThanOrEqual(2)
  })

  it('the shared model imports nothing but itself', () => {
    const out = edges.filter((e) => e.local && folderOf(e.from) === 'model' && folderOf(e.to) !== 'model')
    expect(show(out)).toEqual([])
  })
})
