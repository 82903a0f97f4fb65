// Live heap over the run, base against head: a Mermaid xychart (rendered by
// GitHub) and a plain text line with the same numbers for every other reader.
import type { SideSummary } from '../model/analysis.js'
import { codeBlock } from './escape.js'

/** Snapshot labels become chart categories: letters and digits only, so nothing can escape the quotes. */
function label(text: string, i: number): string {
  const clean = text.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 12)
  return clean || `#${i}`
}

function scale(maxBytes: number): { unit: string; div: number } {
  if (maxBytes >= 1024 * 1024 * 1024) return { unit: 'GiB', div: 1024 ** 3 }
  if (maxBytes >= 1024 * 1024) return { unit: 'MiB', div: 1024 ** 2 }
  return { unit: 'KiB', div: 1024 }
}

function round(value: number): string {
  if (!Number.isFinite(value)) return '0'
  const abs = Math.abs(value)
  return String(
    abs >= 100 ? Math.round(value) : abs >= 10 ? Math.round(value * 10) / 10 : Math.round(value * 100) / 100,
  )
}

/** Base line grey, head line red: xychart has no legend, the caption names them. */
const PALETTE = '#8b949e, #cf222e'
const MAX_POINTS = 40

export interface HeapChart {
  /** The fenced mermaid block, or undefined when there is nothing to draw. */
  mermaid?: string
  /** One line: the numbers in the chart, readable without it. */
  text: string
}

export function heapChart(head: SideSummary, base?: SideSummary): HeapChart | undefined {
  const h = head.heapSeries.slice(0, MAX_POINTS)
  if (h.length === 0) return undefined
  let b = base?.heapSeries.slice(0, MAX_POINTS)
  // Both sides follow the same schedule; if they do not line up, draw what they share.
  const n = b && b.length > 0 ? Math.min(h.length, b.length) : h.length
  const hs = h.slice(0, n)
  if (b && b.length === 0) b = undefined
  const bs = b?.slice(0, n)
  const all = [...hs, ...(bs ?? [])].map((p) => p.inuseBytes).filter(Number.isFinite)
  const { unit, div } = scale(Math.max(0, ...all))
  const values = (series: typeof hs): string[] => series.map((p) => round(p.inuseBytes / div))
  const labels = hs.map((p, i) => label(p.label, i))

  const text =
    `Live heap (${unit}) at ${labels.join(', ')} — ` +
    [bs ? `base: ${values(bs).join(', ')}` : undefined, `head: ${values(hs).join(', ')}`]
      .filter(Boolean)
      .join(' · ')

  if (n < 2) return { text }
  const top = Math.max(...all.map((v) => v / div), 0.01) * 1.15
  const lines = [
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${bs ? PALETTE : PALETTE.split(', ')[1]}"}}}}%%`,
    'xychart-beta',
    `  title "Live heap after GC, ${bs ? 'base (grey) vs head (red)' : 'head'}"`,
    `  x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
    `  y-axis "${unit}" 0 --> ${round(top)}`,
  ]
  if (bs) lines.push(`  line [${values(bs).join(', ')}]`)
  lines.push(`  line [${values(hs).join(', ')}]`)
  return { mermaid: codeBlock(lines.join('\n'), 'mermaid'), text }
}
