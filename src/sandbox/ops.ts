// The few privileged things the sandbox does, done directly as root or through
// `sudo -n` otherwise: create and remove cgroups, write their control files,
// signal the sandbox user's processes.
import * as fs from 'node:fs'
import { spawnSync } from 'node:child_process'
import { run, runPrivileged, type Privilege } from './privilege.js'

export interface PrivilegedOps {
  mkdir(path: string): Promise<void>
  rmdir(path: string): Promise<void>
  write(path: string, value: string): Promise<void>
  kill(pids: number[], signal: 'KILL' | 'TERM'): Promise<void>
  chown(path: string, uid: number, gid: number): Promise<void>
  removeTree(path: string): Promise<void>
  /** For the exit handler, where nothing asynchronous runs any more. */
  writeSync(path: string, value: string): void
}

export function opsFor(priv: Privilege): PrivilegedOps {
  return priv.kind === 'sudo' ? sudoOps(priv) : rootOps()
}

function rootOps(): PrivilegedOps {
  return {
    mkdir: async (path) => void fs.mkdirSync(path),
    rmdir: async (path) => fs.rmdirSync(path),
    write: async (path, value) => fs.writeFileSync(path, value),
    kill: async (pids, signal) => {
      for (const pid of pids) {
        try {
          process.kill(pid, `SIG${signal}`)
        } catch {
          // gone already
        }
      }
    },
    chown: async (path, uid, gid) => {
      const r = await run(['chown', '-R', '-P', `${uid}:${gid}`, path])
      if (r.code !== 0) throw new Error(`chown of ${path}: ${r.output}`)
    },
    removeTree: async (path) => fs.rmSync(path, { recursive: true, force: true }),
    writeSync: (path, value) => {
      try {
        fs.writeFileSync(path, value)
      } catch {
        // best effort on the way out
      }
    },
  }
}

function sudoOps(priv: Privilege): PrivilegedOps {
  const must = async (argv: string[]): Promise<void> => {
    const r = await runPrivileged(priv, argv)
    if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.output || `exit ${r.code}`}`)
  }
  const WRITE = 'printf "%s\\n" "$1" > "$2"'
  return {
    mkdir: (path) => must(['mkdir', path]),
    rmdir: (path) => must(['rmdir', path]),
    write: (path, value) => must(['sh', '-c', WRITE, 'sh', value, path]),
    kill: async (pids, signal) => {
      if (pids.length > 0) await runPrivileged(priv, ['kill', `-${signal}`, ...pids.map(String)])
    },
    chown: (path, uid, gid) => must(['chown', '-R', '-P', `${uid}:${gid}`, path]),
    removeTree: (path) => must(['rm', '-rf', '--', path]),
    writeSync: (path, value) => {
      spawnSync('sudo', ['-n', '--', 'sh', '-c', WRITE, 'sh', value, path], {
        stdio: 'ignore',
        timeout: 5000,
      })
    },
  }
}
