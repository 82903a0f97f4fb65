// The unprivileged user the pull request's code runs as, created on first use.
// It owns nothing of the runner's, has no shell, no home and no sudo rights.
import { run, runPrivileged, type Privilege } from './privilege.js'

export interface SandboxUser {
  name: string
  uid: number
  gid: number
}

/** A system account's name; macOS hides accounts that start with an underscore. */
export function sandboxUserName(platform: NodeJS.Platform): string {
  return platform === 'darwin' ? '_memleaksandbox' : 'memleak-sandbox'
}

export function linuxCreateCommands(name: string): string[][] {
  return [
    [
      'useradd',
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      name,
    ],
  ]
}

/** dscl calls that make a hidden account `name` with uid = gid = id and its own group. */
export function macCreateCommands(name: string, id: number): string[][] {
  const user = `/Users/${name}`
  const group = `/Groups/${name}`
  return [
    ['dscl', '.', '-create', group],
    ['dscl', '.', '-create', group, 'PrimaryGroupID', String(id)],
    ['dscl', '.', '-create', user],
    ['dscl', '.', '-create', user, 'UniqueID', String(id)],
    ['dscl', '.', '-create', user, 'PrimaryGroupID', String(id)],
    ['dscl', '.', '-create', user, 'UserShell', '/usr/bin/false'],
    ['dscl', '.', '-create', user, 'NFSHomeDirectory', '/var/empty'],
    ['dscl', '.', '-create', user, 'IsHidden', '1'],
  ]
}

/** The first id from 400 (system accounts, below the 500 of people) that no user or group holds. */
export function freeMacId(dsclUsers: string, dsclGroups: string): number {
  const taken = new Set(
    `${dsclUsers}\n${dsclGroups}`
      .split('\n')
      .map((l) => Number(l.trim().split(/\s+/).pop()))
      .filter(Number.isInteger),
  )
  for (let id = 400; id < 500; id++) if (!taken.has(id)) return id
  throw new Error('no free id between 400 and 499 for the sandbox account')
}

async function lookUp(name: string): Promise<SandboxUser | undefined> {
  const uid = await run(['id', '-u', name])
  const gid = await run(['id', '-g', name])
  if (uid.code !== 0 || gid.code !== 0) return undefined
  return { name, uid: Number(uid.output), gid: Number(gid.output) }
}

export async function ensureSandboxUser(priv: Privilege, platform: NodeJS.Platform): Promise<SandboxUser> {
  const name = sandboxUserName(platform)
  const existing = await lookUp(name)
  if (existing) return existing
  let commands: string[][]
  if (platform === 'darwin') {
    const users = await run(['dscl', '.', '-list', '/Users', 'UniqueID'])
    const groups = await run(['dscl', '.', '-list', '/Groups', 'PrimaryGroupID'])
    commands = macCreateCommands(name, freeMacId(users.output, groups.output))
  } else commands = linuxCreateCommands(name)
  let failure = ''
  for (const argv of commands) {
    const r = await runPrivileged(priv, argv)
    if (r.code !== 0) failure ||= `${argv[0]}: ${r.output || `exit ${r.code}`}`
  }
  // Another job on the machine may have made it at the same moment: what counts is that it exists.
  const made = await lookUp(name)
  if (made) return made
  throw new Error(`cannot create the sandbox user ${name}: ${failure}`)
}
