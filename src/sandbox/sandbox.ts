// The pull request's code (build-command, the service, whatever they start) runs
// as another, unprivileged user, so it cannot read our environment through
// /proc (where the token is) nor write the runner's files; on Linux each scope
// (a side's build, a side's service) is a cgroup, killed whole when it ends, so
// a process that left its session with setsid still dies; macOS has no cgroups:
// every process of the sandbox user is killed instead. Where we are neither
// root nor have passwordless sudo, nothing is isolated and the report says so.
import * as fs from 'node:fs'
import { cp, mkdir, mkdtemp } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { readPlan, SideCgroup, type CgroupPlan } from './cgroup.js'
import { opsFor } from './ops.js'
import { detectPrivilege, run, type Privilege } from './privilege.js'
import { ensureSandboxUser, type SandboxUser } from './user.js'
import { formatMemoryLimit } from '../model/format.js'
import { linuxWrap, macKillAllCommand, macWrap } from './command-line.js'
import { sweepStale, sweepStaleDirs } from './sweep.js'

/** How to start one command inside a scope. */
export interface SpawnSpec {
  command: string
  args: string[]
  env: Record<string, string>
  /** Set where node itself must switch user (root on macOS). */
  uid?: number
  gid?: number
}

/** One sandboxed thing that starts and ends: a side's build or a side's service. */
export interface Scope {
  readonly name: string
  /** The command that runs `command args` in the scope as the sandbox user, with exactly `env`. */
  wrap(command: string, args: string[], env: Record<string, string>): SpawnSpec
  /** The pid of the scope's first process as the sandbox user sees it (sudo sits in between). */
  mainPid(spawnedPid: number): number
  /** SIGTERM to every process of the scope. */
  terminate(): Promise<void>
  /** Kills every process of the scope; returns what is still alive after, described ("pid 12 (sleep)"). */
  killAll(): Promise<string[]>
  /** Whether the kernel killed a process for reaching the memory limit. */
  oomKilled(): boolean
  /** The limit in force, when there is one. */
  readonly memoryLimit?: number
  dispose(): Promise<void>
}

export interface Sandbox {
  readonly isolated: boolean
  /** One line for the log and the report. */
  readonly description: string
  readonly user?: SandboxUser
  /** Directory of the sandbox's files; readable by the sandbox user. */
  readonly root?: string
  /** The sandbox user's HOME, TMPDIR and Go caches, owned by it. */
  readonly home?: string
  scope(name: string): Promise<Scope>
  /** A copy of `tree` owned by the sandbox user, without .git (where a persisted token sits). */
  copyTree(tree: string, name: string): Promise<string>
  /** A directory the sandbox user may read but not write (binaries, the module cache given to builds). */
  readOnlyDir(name: string): Promise<string>
  /** Gives a directory (and everything in it) to the sandbox user. */
  handOver(dir: string): Promise<void>
  dispose(): Promise<void>
}

export interface SandboxOptions {
  /** Bytes; undefined: no limit. */
  memoryLimit?: number
  platform?: NodeJS.Platform
  /** Skip isolation (tests of what happens without it). */
  privilege?: Privilege
}

export function noIsolation(reason: string): Sandbox {
  const description = `no isolation: ${reason}; the pull request's code runs as this user and could read the token`
  return {
    isolated: false,
    description,
    scope: async (name) => ({
      name,
      wrap: (command, args, env) => ({ command, args, env }),
      mainPid: (pid) => pid,
      terminate: async () => {},
      killAll: async () => [],
      oomKilled: () => false,
      dispose: async () => {},
    }),
    copyTree: async (tree) => tree,
    readOnlyDir: async (name) => mkdtemp(join(fs.realpathSync('/tmp'), `memleak-${name}-`)),
    handOver: async () => {},
    dispose: async () => {},
  }
}

function findSetpriv(): string | undefined {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
    if (fs.existsSync(join(dir, 'setpriv'))) return join(dir, 'setpriv')
  }
  return undefined
}

/** What a pid is, for "still alive: pid 12 (sleep 3600)". */
export function describePid(pid: number): string {
  let cmd = ''
  try {
    cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ')
  } catch {
    // not Linux, or gone
  }
  return cmd ? `pid ${pid} (${cmd.slice(0, 80)})` : `pid ${pid}`
}

/**
 * Sets up the sandbox: the user (created when missing), the cgroup layout, the
 * sandbox's directory. Long (over 80 lines) because the scopes and the Sandbox it
 * returns close over the user, the cgroup plan and the live scopes set up here.
 */
export async function createSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const platform = opts.platform ?? process.platform
  if (platform !== 'linux' && platform !== 'darwin') return noIsolation(`${platform} is not supported`)
  const priv = opts.privilege ?? (await detectPrivilege())
  if (priv.kind === 'none') return noIsolation(priv.reason)
  let setpriv: string | undefined
  let plan: CgroupPlan | undefined
  if (platform === 'linux') {
    setpriv = findSetpriv()
    if (!setpriv) return noIsolation('setpriv (util-linux) is not installed')
    plan = readPlan()
    if (!plan.v2 && !plan.v1.freezer && !plan.v1.pids && !plan.v1.memory)
      return noIsolation('no cgroup hierarchy is mounted')
  }
  let user: SandboxUser
  try {
    user = await ensureSandboxUser(priv, platform)
  } catch (error) {
    return noIsolation((error as Error).message)
  }
  const ops = opsFor(priv)
  // Not under TMPDIR: RUNNER_TEMP is in the runner's home, which other users may not enter.
  if (plan) await sweepStale(ops, plan, user.uid)
  await sweepStaleDirs(ops)
  const root = await mkdtemp(join(fs.realpathSync('/tmp'), `memleak-sandbox-${process.pid}-`))
  fs.chmodSync(root, 0o755)
  const runDir = join(root, 'run')
  await mkdir(runDir, { mode: 0o755 })
  const home = join(root, 'home')
  await mkdir(join(home, 'tmp'), { recursive: true })
  await ops.chown(home, user.uid, user.gid)
  fs.chmodSync(home, 0o700)

  const live = new Set<Scope>()
  const onExit = (): void => {
    for (const scope of live) (scope as { killSync?: () => void }).killSync?.()
  }
  process.on('exit', onExit)

  let count = 0
  const linuxScope = async (name: string): Promise<Scope> => {
    const id = `memleak-${process.pid}-${++count}-${name.replace(/[^\w-]/g, '_')}`
    const cgroup = await SideCgroup.create(ops, plan!, id, opts.memoryLimit)
    const pidFile = join(runDir, `${id}.pid`)
    const scope: Scope & { killSync(): void } = {
      name,
      memoryLimit: cgroup.memoryLimit,
      wrap: (command, args, env) => {
        const argv = linuxWrap(priv, user, setpriv!, pidFile, cgroup.procsFiles, command, args, env)
        return { command: argv[0]!, args: argv.slice(1), env: { PATH: env.PATH ?? '/usr/bin:/bin' } }
      },
      mainPid: (spawned) => {
        const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : ''
        return /^\d+$/.test(text) ? Number(text) : spawned
      },
      terminate: () => ops.kill(cgroup.members(), 'TERM'),
      killAll: async () => (await cgroup.killAll()).map(describePid),
      oomKilled: () => cgroup.oomKilled(),
      killSync: () => cgroup.killSync(),
      dispose: async () => {
        live.delete(scope)
        await cgroup.killAll()
        await cgroup.remove()
      },
    }
    live.add(scope)
    return scope
  }

  const macScope = async (name: string): Promise<Scope> => {
    const survivors = async (): Promise<string[]> => {
      const ps = await run(['ps', '-U', String(user.uid), '-o', 'pid=,comm='])
      return ps.output
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => /^\d+/.test(l))
        .map((l) => `pid ${l.replace(/\s+/, ' (')})`)
    }
    const killAll = async (): Promise<string[]> => {
      const argv = macKillAllCommand(priv, user)
      const deadline = Date.now() + 5000
      for (;;) {
        if (priv.kind === 'root')
          spawnSync(argv[0]!, argv.slice(1), { uid: user.uid, gid: user.gid, stdio: 'ignore' })
        else await run(argv)
        const left = await survivors()
        if (left.length === 0 || Date.now() > deadline) return left
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    const scope: Scope & { killSync(): void } = {
      name,
      wrap: (command, args, env) => {
        const argv = macWrap(priv, user, command, args, env)
        const spec: SpawnSpec = {
          command: argv[0]!,
          args: argv.slice(1),
          env: { PATH: env.PATH ?? '/usr/bin:/bin' },
        }
        if (priv.kind === 'root') Object.assign(spec, { uid: user.uid, gid: user.gid })
        return spec
      },
      mainPid: (pid) => pid,
      terminate: async () => {
        const argv =
          priv.kind === 'sudo' ? ['sudo', '-n', '-u', user.name, '--', 'kill', '-TERM', '-1'] : undefined
        if (argv) await run(argv)
        else spawnSync('kill', ['-TERM', '-1'], { uid: user.uid, gid: user.gid, stdio: 'ignore' })
      },
      killAll,
      oomKilled: () => false,
      killSync: () => {
        const argv = macKillAllCommand(priv, user)
        spawnSync(argv[0]!, argv.slice(1), {
          stdio: 'ignore',
          timeout: 5000,
          ...(priv.kind === 'root' ? { uid: user.uid, gid: user.gid } : {}),
        })
      },
      dispose: async () => {
        live.delete(scope)
        await killAll()
      },
    }
    live.add(scope)
    return scope
  }

  const where =
    platform === 'linux'
      ? 'a cgroup per build and per service'
      : 'every process of the user killed after each'
  const limit =
    opts.memoryLimit !== undefined && platform === 'linux'
      ? `, memory limit ${formatMemoryLimit(opts.memoryLimit)}`
      : ''
  return {
    isolated: true,
    description: `sandbox: the pull request's code runs as ${user.name} (uid ${user.uid}) via ${priv.kind}, ${where}${limit}`,
    user,
    root,
    home,
    scope: platform === 'linux' ? linuxScope : macScope,
    copyTree: async (tree, name) => {
      const dest = join(root, name)
      await cp(tree, dest, {
        recursive: true,
        verbatimSymlinks: true,
        // The checkout's .git/config holds the token unless persist-credentials is false.
        filter: (src) => basename(src) !== '.git',
      })
      await ops.chown(dest, user.uid, user.gid)
      return dest
    },
    readOnlyDir: async (name) => {
      const dir = join(root, name)
      await mkdir(dir, { mode: 0o755 })
      fs.chmodSync(dir, 0o755)
      return dir
    },
    handOver: (dir) => ops.chown(dir, user.uid, user.gid),
    dispose: async () => {
      for (const scope of [...live]) await scope.dispose()
      process.removeListener('exit', onExit)
      await ops.removeTree(root)
    },
  }
}
