// Shared by the hardening e2e tests: a fixture repository per test whose port
// and directory are checked after the test (no process left, port free, no
// base worktree left), and the CLI run inside it.
import { execFileSync } from 'node:child_process'
import { cpSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { expect } from 'vitest'
import { makeFixtureRepo, type FixtureRepo } from '../support/fixture-repo.js'
import { freePort, processesMentioning } from '../support/run-action.js'
import { runCli, type CliRun } from './cli.js'

/** The brief's short load; tests add what their case needs. */
export const SHORT = ['--warmup', '1s', '--duration', '4s', '--snapshots', '4', '--requests', 'GET /time']

export const BROKEN_DIR = new URL('../fixtures/broken/', import.meta.url)

export interface FaultRepo extends FixtureRepo {
  port: number
  /** Extra directories whose processes must be gone too (a runner temp dir). */
  watch: string[]
}

const open = new Map<string, FaultRepo>()

/** A fixture repo (base and head fixtures from test/fixtures/go) and a free port, checked by `afterFault`. */
export async function faultRepo(testId: string, base: string, head: string): Promise<FaultRepo> {
  const repo = { ...makeFixtureRepo(base, head), port: await freePort(), watch: [] }
  open.set(testId, repo)
  return repo
}

/** Replaces head's service (cmd/api) with a program from test/fixtures/broken. */
export function useBrokenService(repo: FixtureRepo, name: string): void {
  rmSync(join(repo.dir, 'cmd/api'), { recursive: true, force: true })
  cpSync(new URL(name, BROKEN_DIR), join(repo.dir, 'cmd/api'), { recursive: true })
}

/** `memleak run` in the repo against its base commit, on its port. */
export function runFault(repo: FaultRepo, args: string[], timeoutMs = 90_000): Promise<CliRun> {
  return runCli(
    ['run', '--base-ref', repo.baseSha, '--package', './cmd/api', '--port', String(repo.port), ...args],
    { cwd: repo.dir, timeoutMs },
  )
}

/** The end of a run's output, for assertion messages. */
export function tail(text: string, lines = 20): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n')
}

/** The last line on stderr: the one the CLI fails with. */
export function lastLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n')
  return lines[lines.length - 1]!
}

export function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/**
 * After every e2e test: nothing it started survives, its port is free, no base
 * worktree is left registered; then the repository goes.
 */
export async function afterFault(testId: string): Promise<void> {
  const repo = open.get(testId)
  if (!repo) return
  open.delete(testId)
  try {
    for (const dir of [repo.dir, ...repo.watch]) expect(processesMentioning(dir), dir).toEqual([])
    expect(await canListen(repo.port), `port ${repo.port} still taken`).toBe(true)
    const worktrees = execFileSync('git', ['worktree', 'list', '--porcelain'], {
      cwd: repo.dir,
      encoding: 'utf8',
    })
    expect(worktrees.match(/^worktree /gm), worktrees).toHaveLength(1)
  } finally {
    repo.remove()
    for (const dir of repo.watch) rmSync(dir, { recursive: true, force: true })
  }
}
