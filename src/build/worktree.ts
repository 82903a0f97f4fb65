// The base side comes from a detached git worktree at the base commit, so the
// workspace (head) is never touched and both trees exist at once.
import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { UsageError } from '../model/errors.js'
import { lastLines, runCommand } from './command.js'

export interface BaseTree {
  dir: string
  sha: string
  remove(): Promise<void>
}

async function git(repoDir: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  const result = await runCommand('git', args, { cwd: repoDir, timeoutMs: 120_000 })
  return { ok: result.code === 0, output: result.output.trim() }
}

async function resolveCommit(repoDir: string, ref: string): Promise<string | undefined> {
  const result = await git(repoDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])
  return result.ok ? result.output.split('\n')[0] : undefined
}

/**
 * Resolves `ref` (fetching it when the checkout is shallow, as actions/checkout
 * leaves it by default) and adds a detached worktree for it.
 */
export async function addBaseWorktree(
  repoDir: string,
  ref: string,
  log: (line: string) => void,
): Promise<BaseTree> {
  let sha = await resolveCommit(repoDir, ref)
  if (!sha) {
    log(`base ${ref} is not in this checkout; fetching it from origin`)
    const fetched = await git(repoDir, ['fetch', '--no-tags', '--depth=1', 'origin', ref])
    if (!fetched.ok) {
      throw new UsageError(
        `base-ref: cannot find ${JSON.stringify(ref)} in the repository, and fetching it from origin failed: ${lastLines(fetched.output, 3)}`,
      )
    }
    sha = (await resolveCommit(repoDir, ref)) ?? (await resolveCommit(repoDir, 'FETCH_HEAD'))
    if (!sha) throw new UsageError(`base-ref: fetched ${JSON.stringify(ref)} but it is not a commit`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'memleak-base-'))
  const added = await git(repoDir, ['worktree', 'add', '--detach', '--force', dir, sha])
  if (!added.ok)
    throw new Error(`git worktree add for base ${sha.slice(0, 12)} failed: ${lastLines(added.output, 5)}`)
  return {
    dir,
    sha,
    async remove() {
      await git(repoDir, ['worktree', 'remove', '--force', dir])
    },
  }
}

export async function headSha(repoDir: string): Promise<string | undefined> {
  return resolveCommit(repoDir, 'HEAD')
}
