// The command lines a sandboxed process starts with: on Linux a shell that
// joins the scope's cgroups and drops to the sandbox user with setpriv; on
// macOS sudo -u. Always `env -i`, so the command gets exactly its environment.
import { privileged, type Privilege } from './privilege.js'
import type { SandboxUser } from './user.js'

/** Joins the cgroups, records the pid, then becomes the sandbox user; exec keeps the pid throughout. */
const JOIN_SCRIPT = [
  'pidfile=$1 u=$2 g=$3 setpriv=$4 n=$5; shift 5',
  'echo $$ > "$pidfile" || exit 125',
  'while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done',
  'exec "$setpriv" --reuid="$u" --regid="$g" --clear-groups --no-new-privs -- "$@"',
].join('\n')

/** `env -i K=V...`: the command gets exactly env, whatever sudo's policy on the environment. */
function envArgv(env: Record<string, string>): string[] {
  return ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)]
}

/** The Linux command line of a scope: [sudo -n --] env -i ... sh -c JOIN ... setpriv ... command args. */
export function linuxWrap(
  priv: Privilege,
  user: SandboxUser,
  setpriv: string,
  pidFile: string,
  procsFiles: string[],
  command: string,
  args: string[],
  env: Record<string, string>,
): string[] {
  return privileged(priv, [
    ...envArgv(env),
    '/bin/sh',
    '-c',
    JOIN_SCRIPT,
    'memleak-sandbox',
    pidFile,
    String(user.uid),
    String(user.gid),
    setpriv,
    String(procsFiles.length),
    ...procsFiles,
    command,
    ...args,
  ])
}

/** The macOS command line: sudo switches the user itself; as root, node does (spawn's uid/gid). */
export function macWrap(
  priv: Privilege,
  user: SandboxUser,
  command: string,
  args: string[],
  env: Record<string, string>,
): string[] {
  const argv = [...envArgv(env), command, ...args]
  return priv.kind === 'sudo' ? ['sudo', '-n', '-u', user.name, '--', ...argv] : argv
}

/** Kills every process of the user: `kill -KILL -1` run as that user signals all of its processes but itself. */
export function macKillAllCommand(priv: Privilege, user: SandboxUser): string[] {
  return priv.kind === 'sudo'
    ? ['sudo', '-n', '-u', user.name, '--', 'kill', '-KILL', '-1']
    : ['kill', '-KILL', '-1']
}
