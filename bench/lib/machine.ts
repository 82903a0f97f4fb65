// What the numbers were measured on: every figure is only meaningful beside this.
import { cpus, loadavg, platform, release, totalmem } from 'node:os'
import { spawnSync } from 'node:child_process'

export interface Machine {
  cores: number
  model: string
  platform: string
  memoryGiB: number
  node: string
  go?: string
  loadAverage: number[]
}

export function machine(): Machine {
  const cpu = cpus()
  const go = spawnSync('go', ['version'], { encoding: 'utf8' })
  return {
    cores: cpu.length,
    model: cpu[0]?.model.trim() ?? 'unknown',
    platform: `${platform()} ${release()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    go: go.status === 0 ? go.stdout.trim().replace(/^go version /, '') : undefined,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
  }
}

/** A warning when other work competes for the CPUs: then ratios hold better than absolute figures. */
export function busyNote(m: Machine = machine()): string | undefined {
  const load = loadavg()[0]!
  if (load < m.cores * 0.5) return undefined
  return `machine busy: 1-min load average ${load.toFixed(1)} on ${m.cores} cores before this section; absolute times are inflated and noisy, ratios measured in alternation less so`
}

export function machineLine(m: Machine): string {
  return `${m.cores} cores, ${m.model}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}${m.go ? `, ${m.go}` : ''}; load average ${m.loadAverage.join(' ')}`
}
