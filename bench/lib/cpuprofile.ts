// Summarises a V8 .cpuprofile (node --cpu-prof): self time per function, so
// the bench can say where a slow figure's time goes without opening DevTools.
import { readFileSync } from 'node:fs'
import { table } from './output.js'

interface CpuNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface CpuProfile {
  nodes: CpuNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

export interface HotFunction {
  name: string
  where: string
  selfMs: number
  share: number
}

export function hotFunctions(path: string, limit = 12): { totalMs: number; top: HotFunction[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  // Time per sample from timeDeltas (hitCount alone ignores the sampling jitter).
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const dt = deltas[i + 1] ?? 0
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + dt)
  }
  const merged = new Map<string, HotFunction>()
  let total = 0
  for (const [id, us] of selfUs) {
    total += us
    const f = byId.get(id)!.callFrame
    const name = f.functionName || '(anonymous)'
    const file = f.url
      .replace(/^file:\/\//, '')
      .replace(/^.*\/(dist|src|node_modules)\//, '$1/')
      // The load worker transpiled from src/load into a temporary folder.
      .replace(/^.*\/memleak-load-worker-[^/]+\//, 'load-worker (src/load, transpiled)/')
    const where = file ? `${file}:${f.lineNumber + 1}` : ''
    const key = `${name}\0${where}`
    const m = merged.get(key) ?? { name, where, selfMs: 0, share: 0 }
    m.selfMs += us / 1000
    merged.set(key, m)
  }
  const top = [...merged.values()].sort((a, b) => b.selfMs - a.selfMs).slice(0, limit)
  for (const t of top) t.share = total > 0 ? t.selfMs / (total / 1000) : 0
  return { totalMs: total / 1000, top }
}

/** The hot functions as the Markdown table both CPU-profiled sections print. */
export function hotTable(hot: { top: HotFunction[] }): string {
  return table(
    ['function', 'where', 'self', 'share'],
    hot.top.map((h) => [
      `\`${h.name}\``,
      h.where,
      `${h.selfMs.toFixed(0)} ms`,
      `${(h.share * 100).toFixed(0)}%`,
    ]),
  )
}
