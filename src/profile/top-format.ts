import { percentage, scaledLabel, selectOutputUnit } from './units.js'

export interface TopRow {
  name: string
  flat: number
  cum: number
  inline?: 'inline' | 'partial-inline'
}

export interface FormatTopOptions {
  /** What percentages are relative to (pprof: sum of |values|; base's for a diff). Default: sum of |flat|. */
  total?: number
  /** Show at most this many rows, as pprof's -nodecount. */
  limit?: number
  /** Drop rows whose |cum| is below this fraction of the net flat sum, as pprof's -nodefraction (default 0.005). */
  nodeFraction?: number
  /**
   * The table's inlineMarks: computes pprof's "(inline)" marks for the rows
   * shown (pprof rebuilds its graph from the kept nodes, which can change
   * them). Without it, each row's own `inline` is printed.
   */
  inlineMarks?: (
    kept: ReadonlySet<string> | undefined,
    edgeFraction?: number,
  ) => ReadonlyMap<string, 'inline' | 'partial-inline'>
  /** pprof's -edgefraction: edges under it do not count for inline marks (default 0.001). */
  edgeFraction?: number
  /** Lines printed before the "Showing nodes" line (pprof prints File:, Type:, Time: there). */
  labels?: readonly string[]
}

/**
 * A text table laid out like `go tool pprof -top`: rows are expected sorted
 * (aggregateByFunction and diffProfiles sort them as pprof does).
 */
export function formatTop(rows: readonly TopRow[], sampleUnit: string, opts: FormatTopOptions = {}): string {
  const total = opts.total ?? rows.reduce((n, r) => n + Math.abs(r.flat), 0)
  const fraction = opts.nodeFraction ?? 0.005
  const lines = [...(opts.labels ?? [])]

  // pprof's node cutoff is relative to the net flat sum of all nodes, its
  // "Dropped" label to the report total; both truncate toward zero like int64().
  const netFlat = rows.reduce((n, r) => n + r.flat, 0)
  const cutoff = Math.abs(Math.trunc(netFlat * fraction))
  let shown = cutoff > 0 ? rows.filter((r) => Math.abs(r.cum) >= cutoff) : [...rows]
  const dropped = rows.length - shown.length
  const afterCutoff = shown.length
  if (opts.limit !== undefined && opts.limit > 0 && shown.length > opts.limit)
    shown = shown.slice(0, opts.limit)

  // pprof rebuilds its graph from the kept nodes only when it dropped some.
  const trimmed = shown.length < rows.length
  const marks = opts.inlineMarks?.(trimmed ? new Set(shown.map((r) => r.name)) : undefined, opts.edgeFraction)
  const unit = selectOutputUnit(shown, total, sampleUnit)
  const fmt = (v: number): string => scaledLabel(v, sampleUnit, unit)
  const shownFlat = shown.reduce((n, r) => n + r.flat, 0)
  lines.push(
    `Showing nodes accounting for ${fmt(shownFlat)}, ${percentage(shownFlat, total).trim()} of ${fmt(total)} total`,
  )
  if (total !== 0) {
    if (dropped > 0) {
      const plural = dropped > 1 ? 's' : ''
      lines.push(`Dropped ${dropped} node${plural} (cum <= ${fmt(Math.abs(Math.trunc(total * fraction)))})`)
    }
    if (shown.length < afterCutoff) lines.push(`Showing top ${shown.length} nodes out of ${afterCutoff}`)
  }
  lines.push(
    `${'flat'.padStart(10)} ${'flat'.padStart(5)}% ${'sum'.padStart(5)}% ${'cum'.padStart(10)} ${'cum'.padStart(5)}%`,
  )
  let sum = 0
  for (const r of shown) {
    sum += r.flat
    const mark = marks ? marks.get(r.name) : r.inline
    const inl = mark ? ` (${mark})` : ''
    lines.push(
      `${fmt(r.flat).padStart(10)} ${percentage(r.flat, total)} ${percentage(sum, total)} ` +
        `${fmt(r.cum).padStart(10)} ${percentage(r.cum, total)}  ${r.name}${inl}`,
    )
  }
  return lines.join('\n') + '\n'
}

/** formatTop for a FunctionTable or DiffTable: its unit, total and inline marks. */
export function formatTable(
  table: {
    rows: readonly TopRow[]
    total: number
    sampleType: { unit: string }
    inlineMarks?: FormatTopOptions['inlineMarks']
  },
  opts: Omit<FormatTopOptions, 'total' | 'inlineMarks'> = {},
): string {
  return formatTop(table.rows, table.sampleType.unit, {
    ...opts,
    total: table.total,
    inlineMarks: table.inlineMarks,
  })
}
