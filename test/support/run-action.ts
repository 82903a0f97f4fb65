// Runs the bundled action exactly as a runner does: `node dist/index.js` with
// INPUT_* variables, an event file, and the GITHUB_* files it writes to.
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const DIST_INDEX = resolve(import.meta.dirname, '../../dist/index.js')

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  runnerTemp: string
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}

/** Parses the GITHUB_OUTPUT file (`name<<DELIM` heredocs, as @actions/core writes it). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i])
      outputs[heredoc[1]] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const eq = lines[i].indexOf('=')
      outputs[lines[i].slice(0, eq)] = lines[i].slice(eq + 1)
    }
  }
  return outputs
}

export async function runAction(opts: {
  workspace: string
  inputs: Record<string, string>
  apiUrl: string
  pullRequest?: { number: number; baseSha: string; headSha: string }
  env?: Record<string, string>
  timeoutMs?: number
  /** The runner's temp dir (GITHUB_OUTPUT etc. go there); a new one when absent. */
  runnerTemp?: string
  eventName?: string
  /** Runs node under this (e.g. ['/usr/bin/time', '-f', '%M %e']) to measure the action itself. */
  wrapper?: string[]
}): Promise<ActionRun> {
  const runnerTemp = opts.runnerTemp ?? mkdtempSync(join(tmpdir(), 'memleak-runner-'))
  const eventPath = join(runnerTemp, 'event.json')
  const outputPath = join(runnerTemp, 'output.txt')
  const summaryPath = join(runnerTemp, 'summary.md')
  writeFileSync(outputPath, '')
  writeFileSync(summaryPath, '')
  const event = opts.pullRequest
    ? {
        action: 'synchronize',
        number: opts.pullRequest.number,
        pull_request: {
          number: opts.pullRequest.number,
          base: { sha: opts.pullRequest.baseSha, ref: 'main' },
          head: { sha: opts.pullRequest.headSha, ref: 'feature' },
        },
        repository: { full_name: 'octo/service' },
      }
    : { ref: 'refs/heads/main', repository: { full_name: 'octo/service' } }
  writeFileSync(eventPath, JSON.stringify(event))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? runnerTemp,
    GOPATH: process.env.GOPATH ?? '',
    GOCACHE: process.env.GOCACHE ?? execFileSync('go', ['env', 'GOCACHE'], { encoding: 'utf8' }).trim(),
    GOMODCACHE:
      process.env.GOMODCACHE ?? execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8' }).trim(),
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: opts.eventName ?? (opts.pullRequest ? 'pull_request' : 'push'),
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_API_URL: opts.apiUrl,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_REPOSITORY: 'octo/service',
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_JOB: 'memleak',
    GITHUB_RUN_ID: '4242',
    RUNNER_TEMP: runnerTemp,
    // Everything the action makes (binaries, the base worktree) lands under runnerTemp,
    // so processesMentioning(runnerTemp) finds whatever it might leave running.
    TMPDIR: runnerTemp,
    ...opts.env,
  }
  for (const [name, value] of Object.entries(opts.inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  return new Promise((resolveRun, reject) => {
    const [command, ...args] = [...(opts.wrapper ?? []), process.execPath, DIST_INDEX]
    const child = spawn(command!, args, {
      cwd: opts.workspace,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolveRun({
        code,
        stdout,
        stderr,
        outputs: parseOutputFile(readFileSync(outputPath, 'utf8')),
        summary: readFileSync(summaryPath, 'utf8'),
        runnerTemp,
      })
    })
  })
}

/** Processes whose command line mentions `needle` (a temp dir): none may survive a run. */
export function processesMentioning(needle: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
  return out
    .split('\n')
    .filter((line) => line.includes(needle) && !line.includes('ps -eo'))
    .map((line) => line.trim())
}
