// Where this machine lets us make cgroups, and one side's cgroups: create, limit
// memory, list members, kill every member, remove. Three layouts are met:
// pure v2 (GitHub's runners: memory.max, memory.events, cgroup.kill), hybrid (v2
// for cgroup.kill, v1 memory for the limit), and pure v1 (freezer to kill whole).
import * as fs from 'node:fs'
import { join } from 'node:path'
import type { PrivilegedOps } from './ops.js'

export interface Mount {
  mountPoint: string
  /** The mount's root inside its hierarchy ('/' unless a container mounts a subtree). */
  root: string
  fstype: string
  superOptions: string[]
}

/** /proc/self/mountinfo: the cgroup and cgroup2 mounts. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = []
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ')
    if (!left || !right) continue
    const fields = left.split(' ')
    const [fstype, , superOpts] = right.split(' ')
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue
    mounts.push({
      mountPoint: unescapeMount(fields[4] ?? ''),
      root: unescapeMount(fields[3] ?? '/'),
      fstype,
      superOptions: (superOpts ?? '').split(','),
    })
  }
  return mounts
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}

/** /proc/self/cgroup: our path per v1 controller, and under '' the v2 path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const paths = new Map<string, string>()
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line)
    if (!m) continue
    for (const controller of m[1]!.split(',')) paths.set(controller, m[2]!)
  }
  return paths
}

export interface CgroupPlan {
  /** Directory under which per-side v2 cgroups are made. */
  v2?: string
  /** Parents for v1 cgroups, by controller (memory, freezer, pids). */
  v1: Partial<Record<'memory' | 'freezer' | 'pids', string>>
}

/**
 * Where to create cgroups. v2: the hierarchy's root when the mount shows it
 * (processes may move there, and its subtree_control usually has memory), else
 * our own cgroup. v1: under our own cgroup of each controller, so limits set
 * above us still hold.
 */
export function planCgroups(procCgroup: string, mountinfo: string): CgroupPlan {
  const ours = parseProcCgroup(procCgroup)
  const plan: CgroupPlan = { v1: {} }
  for (const mount of parseMountinfo(mountinfo)) {
    if (mount.fstype === 'cgroup2') {
      if (plan.v2 || !ours.has('')) continue
      plan.v2 = mount.root === '/' ? mount.mountPoint : inside(mount, ours.get('')!)
      continue
    }
    for (const controller of ['memory', 'freezer', 'pids'] as const) {
      if (!mount.superOptions.includes(controller) || plan.v1[controller]) continue
      const path = ours.get(controller)
      if (path !== undefined) plan.v1[controller] = inside(mount, path)
    }
  }
  return plan
}

/** Our cgroup's directory in a mount (whose root may itself be a subtree, in a container). */
function inside(mount: Mount, path: string): string {
  const rel = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path
  return join(mount.mountPoint, rel).replace(/(.)\/+$/, '$1')
}

export function readPlan(): CgroupPlan {
  return planCgroups(
    fs.readFileSync('/proc/self/cgroup', 'utf8'),
    fs.readFileSync('/proc/self/mountinfo', 'utf8'),
  )
}

function readText(path: string): string | undefined {
  try {
    return fs.readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** `key value` lines (memory.events, memory.oom_control). */
export function readCounter(text: string | undefined, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '')
  return m ? Number(m[1]) : 0
}

/** One side's cgroups: every process the side starts is in all of them. */
export class SideCgroup {
  private constructor(
    private readonly ops: PrivilegedOps,
    /** Every directory made, in creation order. */
    readonly dirs: string[],
    private readonly v2?: string,
    private readonly v1Memory?: string,
    private readonly v1Freezer?: string,
    /** The memory limit in force, or undefined when no memory controller was found. */
    readonly memoryLimit?: number,
  ) {}

  /** The cgroup.procs files a process joins (writes its pid to) before it runs the side's code. */
  get procsFiles(): string[] {
    return this.dirs.map((d) => join(d, 'cgroup.procs'))
  }

  /** What is in place, for the log: "cgroup v2 (cgroup.kill, memory.max 2 GiB)". */
  describe(): string {
    const parts: string[] = []
    if (this.v2)
      parts.push(fs.existsSync(join(this.v2, 'cgroup.kill')) ? 'cgroup v2 (cgroup.kill)' : 'cgroup v2')
    if (this.v1Freezer) parts.push('v1 freezer')
    if (this.v1Memory) parts.push('v1 memory')
    return parts.join(' + ')
  }

  /** A cgroup made by an earlier run, to kill what is left in it. */
  static adopt(ops: PrivilegedOps, dir: string): SideCgroup {
    return new SideCgroup(ops, [dir], fs.existsSync(join(dir, 'cgroup.kill')) ? dir : undefined)
  }

  static async create(
    ops: PrivilegedOps,
    plan: CgroupPlan,
    name: string,
    memoryLimit: number | undefined,
  ): Promise<SideCgroup> {
    const dirs: string[] = []
    const make = async (parent: string | undefined): Promise<string | undefined> => {
      if (!parent) return undefined
      const dir = join(parent, name)
      try {
        await ops.mkdir(dir)
      } catch {
        return undefined
      }
      dirs.push(dir)
      return dir
    }
    const v2 = await make(plan.v2)
    let limit: number | undefined
    let v1Memory: string | undefined
    if (memoryLimit !== undefined && v2 && fs.existsSync(join(v2, 'memory.max'))) {
      await ops.write(join(v2, 'memory.max'), String(memoryLimit))
      // Swap would turn the limit into a slow crawl instead of a kill.
      if (fs.existsSync(join(v2, 'memory.swap.max'))) await ops.write(join(v2, 'memory.swap.max'), '0')
      limit = memoryLimit
    } else if (memoryLimit !== undefined) {
      v1Memory = await make(plan.v1.memory)
      if (v1Memory) {
        await ops.write(join(v1Memory, 'memory.limit_in_bytes'), String(memoryLimit))
        limit = memoryLimit
      }
    }
    // Without cgroup.kill, the freezer stops forks while every member is killed.
    const v1Freezer = v2 && fs.existsSync(join(v2, 'cgroup.kill')) ? undefined : await make(plan.v1.freezer)
    if (dirs.length === 0) throw new Error(`cannot create a cgroup (tried ${JSON.stringify(plan)})`)
    return new SideCgroup(ops, dirs, v2, v1Memory, v1Freezer, limit)
  }

  /** Pids in the side's cgroups now. */
  members(): number[] {
    const pids = new Set<number>()
    for (const dir of this.dirs) {
      for (const line of (readText(join(dir, 'cgroup.procs')) ?? '').split('\n')) {
        if (/^\d+$/.test(line)) pids.add(Number(line))
      }
    }
    return [...pids]
  }

  /** Whether the kernel killed a member for reaching the memory limit. */
  oomKilled(): boolean {
    if (this.memoryLimit === undefined) return false
    if (this.v1Memory) return readCounter(readText(join(this.v1Memory, 'memory.oom_control')), 'oom_kill') > 0
    return !!this.v2 && readCounter(readText(join(this.v2, 'memory.events')), 'oom_kill') > 0
  }

  /** The most memory the side's processes held at once, where the kernel keeps it. */
  peakBytes(): number | undefined {
    const text = this.v1Memory
      ? readText(join(this.v1Memory, 'memory.max_usage_in_bytes'))
      : this.v2 && readText(join(this.v2, 'memory.peak'))
    return text && /^\d+\s*$/.test(text) ? Number(text) : undefined
  }

  /** Kills every member, including those that left their session or process group; waits until none is left. */
  async killAll(timeoutMs = 5000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs
    const v2Kill = this.v2 && join(this.v2, 'cgroup.kill')
    if (v2Kill && fs.existsSync(v2Kill)) {
      if (this.members().length > 0) await this.ops.write(v2Kill, '1')
    } else if (this.v1Freezer) {
      const state = join(this.v1Freezer, 'freezer.state')
      await this.ops.write(state, 'FROZEN')
      while (readText(state)?.trim() !== 'FROZEN' && Date.now() < deadline) await sleep(10)
      await this.ops.kill(this.members(), 'KILL')
      await this.ops.write(state, 'THAWED')
    }
    for (;;) {
      const left = this.members()
      if (left.length === 0 || Date.now() >= deadline) return left
      // No cgroup.kill and no freezer: kill what is there until nothing is.
      await this.ops.kill(left, 'KILL')
      await sleep(20)
    }
  }

  /** Synchronous cgroup.kill, for our own exit. */
  killSync(): void {
    if (this.v2 && fs.existsSync(join(this.v2, 'cgroup.kill')))
      this.ops.writeSync(join(this.v2, 'cgroup.kill'), '1')
  }

  async remove(): Promise<void> {
    for (const dir of [...this.dirs].reverse()) await this.ops.rmdir(dir).catch(() => {})
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
