import { describe, expect, it } from 'vitest'
import { budgetFinding } from '../../src/analysis/budget.js'
import { zeroHeapValues, type HeapTable } from '../../src/analysis/sites.js'

const site = (fn: string, line: number) => ({
  key: fn,
  function: fn,
  ownFrame: { function: fn, file: 'cmd/api/main.go', line },
  stack: [`${fn} cmd/api/main.go:${line}`],
})

/** Sites with their live heap per snapshot (and a settled profile after them, as the table has). */
function table(sites: Record<string, { line: number; inuse: number[] }>): HeapTable {
  const t: HeapTable = { sites: new Map(), series: new Map(), totals: [] }
  for (const [fn, { line, inuse }] of Object.entries(sites)) {
    t.sites.set(fn, { site: site(fn, line), functions: new Set([fn]), stacks: [] })
    t.series.set(
      fn,
      [...inuse, inuse.at(-1)!].map((v) => ({ ...zeroHeapValues(), inuseSpace: v })),
    )
  }
  return t
}

describe('budgetFinding: a side stopped at its memory budget', () => {
  it('is a heap leak at the site that grew most, with the measured rate and why it stopped', () => {
    const t = table({
      'main.buffer': { line: 30, inuse: [1e6, 1.2e6, 1.1e6] },
      'main.retain': { line: 49, inuse: [1e6, 2.1e9, 4.1e9] },
    })
    const f = budgetFinding(t, [0, 32_000, 64_000], 'memory 4.3 GB passed the 4 GB budget')!
    expect(f.kind).toBe('heap-leak')
    expect(f.site.ownFrame).toMatchObject({ function: 'main.retain', line: 49 })
    expect(f.rate).toBeCloseTo((4.1e9 - 1e6) / 64_000, 3)
    expect(f.evidence.values).toEqual([1e6, 2.1e9, 4.1e9])
    expect(f.summary).toContain('memory 4.3 GB passed the 4 GB budget')
    expect(f.summary).toContain('main.retain (cmd/api/main.go:49)')
    expect(f.details.hintRule).toBe('memory-budget')
  })

  it('names nothing when no site grew', () => {
    const t = table({ 'main.buffer': { line: 30, inuse: [1e6, 1e6, 0.9e6] } })
    expect(budgetFinding(t, [0, 100, 200], 'memory passed the budget')).toBeUndefined()
  })
})
