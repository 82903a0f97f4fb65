// The sandbox's pieces: where cgroups go on each layout, the command lines that
// switch user (Linux and macOS), and, as root on Linux, a real scope: a process
// that leaves its session with setsid still dies with the scope, and the
// sandbox user cannot read our environment or write our files.
import { spawn, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseMountinfo, parseProcCgroup, planCgroups, readCounter } from '../../src/sandbox/cgroup.js'
import { createSandbox, noIsolation, type Sandbox } from '../../src/sandbox/sandbox.js'
import { linuxWrap, macKillAllCommand, macWrap } from '../../src/sandbox/command-line.js'
import { freeMacId, linuxCreateCommands, macCreateCommands } from '../../src/sandbox/user.js'
import { privileged } from '../../src/sandbox/privilege.js'

const HYBRID_MOUNTS = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`
const HYBRID_SELF = `8:pids:/
6:freezer:/
4:memory:/process_api/ac4e
0::/`
const GITHUB_MOUNTS = `35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot`
const GITHUB_SELF = '0::/system.slice/hosted-compute-agent.service'
const V1_CONTAINER = `50 40 0:40 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory
51 40 0:41 /docker/abc /sys/fs/cgroup/freezer rw,nosuid - cgroup cgroup rw,freezer`
const V1_CONTAINER_SELF = `5:memory:/docker/abc/job
3:freezer:/docker/abc/job`

describe('where cgroups are made', () => {
  it('hybrid (this machine): v2 at the unified root for cgroup.kill, v1 memory under our own cgroup', () => {
    expect(planCgroups(HYBRID_SELF, HYBRID_MOUNTS)).toEqual({
      v2: '/sys/fs/cgroup/unified',
      v1: {
        memory: '/sys/fs/cgroup/memory/process_api/ac4e',
        freezer: '/sys/fs/cgroup/freezer',
        pids: '/sys/fs/cgroup/pids',
      },
    })
  })

  it("pure v2 (GitHub's runners): at the hierarchy's root, not inside the runner's service cgroup", () => {
    expect(planCgroups(GITHUB_SELF, GITHUB_MOUNTS)).toEqual({ v2: '/sys/fs/cgroup', v1: {} })
  })

  it('v1 in a container whose mounts start at its own subtree: paths are taken relative to that root', () => {
    expect(planCgroups(V1_CONTAINER_SELF, V1_CONTAINER)).toEqual({
      v1: { memory: '/sys/fs/cgroup/memory/job', freezer: '/sys/fs/cgroup/freezer/job' },
    })
  })

  it('parses mountinfo escapes and /proc/self/cgroup lines with several controllers', () => {
    expect(parseMountinfo('1 2 0:1 / /a\\040b rw - cgroup2 cgroup2 rw')[0]!.mountPoint).toBe('/a b')
    expect([...parseProcCgroup('3:cpu,cpuacct:/x\n0::/y').entries()]).toEqual([
      ['cpu', '/x'],
      ['cpuacct', '/x'],
      ['', '/y'],
    ])
    expect(readCounter('low 0\noom 2\noom_kill 1\n', 'oom_kill')).toBe(1)
    expect(readCounter(undefined, 'oom_kill')).toBe(0)
  })
})

describe('command lines', () => {
  const user = { name: 'memleak-sandbox', uid: 990, gid: 985 }
  it('Linux: env -i with exactly the given environment, cgroups joined, then setpriv to the user', () => {
    const argv = linuxWrap(
      { kind: 'sudo' },
      user,
      '/usr/bin/setpriv',
      '/r/pid',
      ['/cg/a/cgroup.procs'],
      '/bin/svc',
      ['-x'],
      {
        PATH: '/usr/bin',
        PORT: '8080',
      },
    )
    expect(argv.slice(0, 7)).toEqual(['sudo', '-n', '--', 'env', '-i', 'PATH=/usr/bin', 'PORT=8080'])
    expect(argv.slice(10)).toEqual([
      'memleak-sandbox',
      '/r/pid',
      '990',
      '985',
      '/usr/bin/setpriv',
      '1',
      '/cg/a/cgroup.procs',
      '/bin/svc',
      '-x',
    ])
    expect(argv[9]).toContain('--reuid="$u" --regid="$g" --clear-groups --no-new-privs')
    expect(linuxWrap({ kind: 'root' }, user, '/s', '/p', [], 'c', [], {})[0]).toBe('env')
  })

  it('macOS: sudo -u switches the user (root lets node do it); the end kills every process of the user', () => {
    expect(macWrap({ kind: 'sudo' }, user, '/bin/svc', [], { PORT: '1' })).toEqual([
      'sudo',
      '-n',
      '-u',
      'memleak-sandbox',
      '--',
      'env',
      '-i',
      'PORT=1',
      '/bin/svc',
    ])
    expect(macWrap({ kind: 'root' }, user, '/bin/svc', [], {})).toEqual(['env', '-i', '/bin/svc'])
    expect(macKillAllCommand({ kind: 'sudo' }, user)).toEqual([
      'sudo',
      '-n',
      '-u',
      'memleak-sandbox',
      '--',
      'kill',
      '-KILL',
      '-1',
    ])
    expect(macKillAllCommand({ kind: 'root' }, user)).toEqual(['kill', '-KILL', '-1'])
  })

  it('creates the user without a shell, a home or a login, on either system', () => {
    expect(linuxCreateCommands('u')[0]).toEqual(
      expect.arrayContaining(['--system', '--shell', '/usr/sbin/nologin', 'u']),
    )
    const mac = macCreateCommands('_u', 401)
    expect(mac).toContainEqual(['dscl', '.', '-create', '/Users/_u', 'UniqueID', '401'])
    expect(mac).toContainEqual(['dscl', '.', '-create', '/Users/_u', 'UserShell', '/usr/bin/false'])
    expect(freeMacId('root 0\n_www 70\nx 400\n', 'g 401\n')).toBe(402)
    expect(privileged({ kind: 'root' }, ['id'])).toEqual(['id'])
    expect(privileged({ kind: 'sudo' }, ['id'])).toEqual(['sudo', '-n', '--', 'id'])
  })

  it('without root or sudo: nothing wrapped, and the one line says why', async () => {
    const s = noIsolation('not root and no passwordless sudo')
    expect(s.isolated).toBe(false)
    expect(s.description).toMatch(/^no isolation: not root and no passwordless sudo; .*could read the token/)
    const scope = await s.scope('head-service')
    expect(scope.wrap('/bin/svc', ['a'], { X: '1' })).toEqual({
      command: '/bin/svc',
      args: ['a'],
      env: { X: '1' },
    })
    expect(await scope.killAll()).toEqual([])
    const unsupported = await createSandbox({ platform: 'win32' })
    expect(unsupported.description).toMatch(/^no isolation: win32 is not supported/)
  })
})

/** Alive: there and not a zombie waiting for init to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

const asRoot = process.getuid?.() === 0 && process.platform === 'linux'

describe.runIf(asRoot)('a real scope (as root)', () => {
  let sandbox: Sandbox
  const dir = mkdtempSync(join(tmpdir(), 'memleak-sbtest-'))
  afterAll(async () => {
    await sandbox?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('runs as the sandbox user, cannot read our environ or write our files, and setsid escapees die with it', async () => {
    sandbox = await createSandbox({ memoryLimit: 256 * 1024 ** 2 })
    expect(sandbox.isolated).toBe(true)
    expect(sandbox.description).toMatch(
      /memleak-sandbox \(uid \d+\) via root, a cgroup per build and per service, memory limit 256 MiB/,
    )
    const ours = join(dir, 'ours.txt')
    writeFileSync(ours, 'ours\n')
    const report = join(sandbox.home!, 'report.txt')
    const scope = await sandbox.scope('test')
    const script = [
      'id -un > "$REPORT"',
      `cat /proc/${process.pid}/environ >> "$REPORT" 2>&1 || echo environ-denied >> "$REPORT"`,
      `echo x >> ${ours} 2>/dev/null || echo write-denied >> "$REPORT"`,
      "setsid sh -c 'sleep 3600' escapee-of-the-test &",
      'echo $! > "$HOME/escapee"',
      'sleep 3600',
    ].join('\n')
    const spec = scope.wrap('/bin/sh', ['-c', script], {
      PATH: '/usr/bin:/bin',
      REPORT: report,
      HOME: sandbox.home!,
    })
    const child = spawn(spec.command, spec.args, { env: spec.env, stdio: 'ignore', detached: true })
    const exited = new Promise((r) => child.once('exit', r))
    const deadline = Date.now() + 10_000
    while (!existsSync(join(sandbox.home!, 'escapee')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    const escapee = Number(readFileSync(join(sandbox.home!, 'escapee'), 'utf8'))
    expect(alive(escapee)).toBe(true)
    const text = readFileSync(report, 'utf8')
    expect(text.split('\n')[0]).toBe('memleak-sandbox')
    expect(text).toContain('environ-denied')
    expect(text).toContain('write-denied')
    expect(readFileSync(ours, 'utf8')).toBe('ours\n')
    expect(scope.memoryLimit).toBe(256 * 1024 ** 2)

    expect(await scope.killAll()).toEqual([])
    await exited
    expect(alive(escapee), 'the setsid escapee survived').toBe(false)
    expect(scope.oomKilled()).toBe(false)
    await scope.dispose()
  }, 30_000)

  it("sweeps what a SIGKILLed run left: its cgroup's processes and its directory", async () => {
    const gone = spawn('true')
    const deadPid = await new Promise<number>((r) => gone.once('exit', () => r(gone.pid!)))
    const parent = '/sys/fs/cgroup/unified'
    const stale = join(parent, `memleak-${deadPid}-1-head-service`)
    const staleDir = join('/tmp', `memleak-sandbox-${deadPid}-test`)
    execFileSync('mkdir', ['-p', stale, staleDir])
    const uid = sandbox.user!.uid
    const sleeper = spawn(
      '/bin/sh',
      [
        '-c',
        `echo $$ > ${stale}/cgroup.procs && exec setpriv --reuid=${uid} --regid=${sandbox.user!.gid} --clear-groups sleep 3600`,
      ],
      {
        stdio: 'ignore',
      },
    )
    // Joined and switched to the sandbox user (sh, then setpriv, then sleep: the same pid).
    const switched = (): boolean =>
      readFileSync(join(stale, 'cgroup.procs'), 'utf8').trim() === String(sleeper.pid) &&
      new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(readFileSync(`/proc/${sleeper.pid}/status`, 'utf8'))
    for (const end = Date.now() + 10_000; !switched() && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 50))
    expect(switched()).toBe(true)
    const next = await createSandbox()
    await next.dispose()
    expect(alive(sleeper.pid!), 'the stale service survived').toBe(false)
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(staleDir)).toBe(false)
  }, 30_000)

  it('copies a tree for the sandbox without .git, owned by the sandbox user', async () => {
    const tree = join(dir, 'tree')
    execFileSync('git', ['init', '-q', tree])
    writeFileSync(join(tree, 'go.mod'), 'module x\n')
    const copy = await sandbox.copyTree(tree, 'copy-test')
    expect(existsSync(join(copy, 'go.mod'))).toBe(true)
    expect(existsSync(join(copy, '.git'))).toBe(false)
    expect(execFileSync('stat', ['-c', '%U', join(copy, 'go.mod')], { encoding: 'utf8' }).trim()).toBe(
      'memleak-sandbox',
    )
  })
})
