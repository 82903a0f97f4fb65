// A throwaway git repository whose base commit holds one fixture service and
// whose head commit holds another: what a pull request looks like to the action.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const FIXTURES_DIR = resolve(import.meta.dirname, '../fixtures/go')
export const MODULE_PATH = 'example.com/fixtures'

export interface FixtureRepo {
  dir: string
  baseSha: string
  headSha: string
  remove(): void
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.com',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.com',
    },
  }).trim()
}

function putService(dir: string, fixture: string): void {
  const target = join(dir, 'cmd/api')
  rmSync(target, { recursive: true, force: true })
  mkdirSync(target, { recursive: true })
  cpSync(join(FIXTURES_DIR, fixture), target, { recursive: true })
}

/** Module files shared by every fixture (go.mod, go.sum, internal packages). */
function putModule(dir: string): void {
  for (const entry of readdirSync(FIXTURES_DIR)) {
    if (entry === 'go.mod' || entry === 'go.sum' || entry === 'internal') {
      cpSync(join(FIXTURES_DIR, entry), join(dir, entry), { recursive: true })
    }
  }
}

export function makeFixtureRepo(base: string, head: string): FixtureRepo {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-repo-'))
  git(dir, 'init', '-q', '-b', 'main')
  putModule(dir)
  putService(dir, base)
  git(dir, 'add', '-A')
  git(dir, 'commit', '-qm', `base: ${base}`)
  const baseSha = git(dir, 'rev-parse', 'HEAD')
  putService(dir, head)
  git(dir, 'add', '-A')
  git(dir, 'commit', '-qm', `head: ${head}`, '--allow-empty')
  const headSha = git(dir, 'rev-parse', 'HEAD')
  return {
    dir,
    baseSha,
    headSha,
    remove: () => {
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
