// Runs a build-time command (git, go, the user's build-command) and keeps its output.
import { spawn } from 'node:child_process'

export interface CommandResult {
  code: number | null
  output: string
}

/** Environment for build tools: the runner's, less anything that grants access to GitHub. */
export function buildEnvironment(parent: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined) continue
    // The PR's build scripts are untrusted too: no token, no runtime credentials, and
    // none of the workflow-command files (GITHUB_OUTPUT, GITHUB_ENV...) through which a
    // build could set this step's outputs or the environment of later steps. Unlike the
    // service's `env` input, where the workflow names each value it gives, this is the job's
    // whole environment: a job-level NPM_TOKEN meant for another step must not reach the PR.
    if (/^(ACTIONS_|INPUT_|GITHUB_)|TOKEN|SECRET|PASSWORD/i.test(key)) continue
    env[key] = value
  }
  return env
}

export function runCommand(
  command: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? buildEnvironment(process.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const chunks: Buffer[] = []
    let size = 0
    const keep = (chunk: Buffer): void => {
      // Keep the tail that matters without holding megabytes of compiler chatter.
      chunks.push(chunk)
      size += chunk.length
      while (size > 1_000_000 && chunks.length > 1) size -= chunks.shift()!.length
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const kill = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
    const timer = opts.timeoutMs ? setTimeout(kill, opts.timeoutMs) : undefined
    opts.signal?.addEventListener('abort', kill, { once: true })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', kill)
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') })
    })
  })
}

export function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n')
  return lines.slice(-count).join('\n')
}
