// Cleaning up after a run that was killed (a job's timeout) before it could:
// cgroups and directories named for a pid that is gone, and their processes.
import * as fs from 'node:fs'
import { join } from 'node:path'
import { SideCgroup, type CgroupPlan } from './cgroup.js'
import type { opsFor } from './ops.js'

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * What a run killed with SIGKILL (a job's timeout) could not clean up: cgroups
 * and directories named for a pid that is gone. Their processes are killed too.
 */
export async function sweepStale(
  ops: ReturnType<typeof opsFor>,
  plan: CgroupPlan,
  uid: number,
): Promise<void> {
  for (const parent of [plan.v2, ...Object.values(plan.v1)]) {
    if (!parent) continue
    let names: string[] = []
    try {
      names = fs.readdirSync(parent)
    } catch {
      continue
    }
    for (const name of names) {
      const m = /^memleak-(\d+)-/.exec(name)
      if (!m || pidAlive(Number(m[1]))) continue
      const stale = SideCgroup.adopt(ops, join(parent, name))
      // Only our sandbox user's processes: a pid that looks dead may be another pid namespace's run.
      if (stale.members().some((pid) => uidOf(pid) !== uid)) continue
      await stale.killAll().catch(() => [])
      await ops.rmdir(join(parent, name)).catch(() => {})
    }
  }
}

function uidOf(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : undefined
  } catch {
    return undefined
  }
}

export async function sweepStaleDirs(ops: ReturnType<typeof opsFor>): Promise<void> {
  const tmp = fs.realpathSync('/tmp')
  for (const name of fs.readdirSync(tmp)) {
    const m = /^memleak-sandbox-(\d+)-/.exec(name)
    if (m && !pidAlive(Number(m[1]))) await ops.removeTree(join(tmp, name)).catch(() => {})
  }
}
