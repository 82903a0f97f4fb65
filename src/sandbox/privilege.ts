// How the action may act as another user and set up cgroups: as root directly,
// through passwordless `sudo -n` (GitHub's hosted runners), or not at all.
import { spawn } from 'node:child_process'

export type Privilege = { kind: 'root' } | { kind: 'sudo' } | { kind: 'none'; reason: string }

export interface CommandOutcome {
  code: number | null
  output: string
}

/** Runs argv (no shell), with a small, fixed environment, collecting its output. */
export function run(
  argv: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')))
    child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')))
    if (opts.input !== undefined) child.stdin?.end(opts.input)
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ code: null, output: error.message })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, output: output.trim() })
    })
  })
}

/** argv as it runs with our privilege: as is for root, under `sudo -n` otherwise. */
export function privileged(priv: Privilege, argv: string[]): string[] {
  return priv.kind === 'sudo' ? ['sudo', '-n', '--', ...argv] : argv
}

export async function runPrivileged(priv: Privilege, argv: string[]): Promise<CommandOutcome> {
  return run(privileged(priv, argv))
}

/** Root, passwordless sudo, or neither (and why not, for the one log line that says so). */
export async function detectPrivilege(): Promise<Privilege> {
  if (process.getuid?.() === 0) return { kind: 'root' }
  const probe = await run(['sudo', '-n', 'true'], { timeoutMs: 10_000 })
  if (probe.code === 0) return { kind: 'sudo' }
  const why = probe.output.split('\n')[0] || `exit ${probe.code}`
  return { kind: 'none', reason: `not root and no passwordless sudo (sudo -n true: ${why})` }
}
