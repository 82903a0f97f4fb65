// Resident memory and open descriptors of the service, read from outside the
// process so they cost the service nothing: /proc on Linux, ps and lsof on macOS.
import { execFile } from 'node:child_process'
import * as fs from 'node:fs/promises'
import type { ProcessStats } from '../model/sides.js'

const TOOL_TIMEOUT_MS = 10_000

export async function processStats(
  pid: number,
  platform: NodeJS.Platform = process.platform,
): Promise<ProcessStats> {
  if (platform === 'linux') {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8')
    const rssBytes = parseProcStatusRss(status)
    if (rssBytes === undefined) throw new Error(`no VmRSS line in /proc/${pid}/status (a zombie process?)`)
    let openFds: number | null = null
    try {
      openFds = (await fs.readdir(`/proc/${pid}/fd`)).length
    } catch {
      // another user's process, or /proc mounted with hidepid
    }
    return { rssBytes, openFds }
  }
  const rssBytes = parsePsRss(await run('ps', ['-o', 'rss=', '-p', String(pid)]))
  if (rssBytes === undefined) throw new Error(`ps printed no resident size for pid ${pid} (has it exited?)`)
  let openFds: number | null = null
  try {
    // -n -P: no DNS or port-name lookups (slow, irrelevant); -F f: one parseable line per descriptor.
    openFds = parseLsofCount(await run('lsof', ['-n', '-P', '-p', String(pid), '-F', 'f']))
  } catch {
    // no lsof on this machine
  }
  return { rssBytes, openFds }
}

/** VmRSS of /proc/<pid>/status, in bytes (the file says kB, meaning KiB). */
export function parseProcStatusRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s*kB/m.exec(status)
  return m ? Number(m[1]) * 1024 : undefined
}

/** Output of `ps -o rss= -p PID`: resident size in KiB, possibly padded. */
export function parsePsRss(output: string): number | undefined {
  const m = /^\s*(\d+)\s*$/m.exec(output)
  return m ? Number(m[1]) * 1024 : undefined
}

/**
 * Open file descriptors in the output of `lsof -p PID`, either the table or the
 * field form (`-F f`: a `p<pid>` line, then `f<fd>` lines). Only rows whose FD
 * is a number (0r, 3u, 12w) count: cwd, txt and memory-mapped rows are not
 * descriptors, and counting them (or "lines minus header") would add a constant
 * that differs from Linux's /proc/<pid>/fd count.
 */
export function parseLsofCount(output: string): number {
  const lines = output.split('\n').filter((l) => l.trim() !== '')
  if (lines.length === 0) return 0
  if (/^p\d+$/.test(lines[0]!)) return lines.filter((l) => /^f\d+$/.test(l)).length
  // Table: COMMAND PID USER FD TYPE ...; the first line is the header.
  return lines.slice(1).filter((l) => /^\d/.test(l.trim().split(/\s+/)[3] ?? '')).length
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      // ps exits 1 when the pid is gone; lsof exits 1 when some files could not be listed.
      if (err && stdout === '') reject(err)
      else resolve(stdout)
    })
  })
}
