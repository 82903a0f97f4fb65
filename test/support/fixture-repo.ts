// A throwaway git repository whose base commit holds one fixture service and
// whose head commit holds another: what a pull request looks like to the action.
// The bench builds its PRs with this too (bench/lib/repo.ts).
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

export const FIXTURES_DIR = resolve(import.meta.dirname, '../fixtures/go')
export const MODULE_PATH = 'example.com/fixtures'

export interface FixtureRepo {
  dir: string
  baseSha: string
  headSha: string
  remove(): void
}

/** A side of the PR: a fixture service, optionally with its main.go rewritten (a change only in code). */
export interface SideSpec {
  fixture: string
  rewrite?: (mainGo: string) => string
  /** More files for this side, by path from the repository's root (e.g. a request file). */
  files?: Record<string, string>
}

export function git(dir: string, ...args: string[]): string {
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

function putService(dir: string, side: SideSpec): void {
  const target = join(dir, 'cmd/api')
  rmSync(target, { recursive: true, force: true })
  mkdirSync(target, { recursive: true })
  cpSync(join(FIXTURES_DIR, side.fixture), target, { recursive: true })
  if (side.rewrite) {
    const file = join(target, 'main.go')
    writeFileSync(file, side.rewrite(readFileSync(file, 'utf8')))
  }
  for (const [path, text] of Object.entries(side.files ?? {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}

/** Module files shared by every fixture (go.mod, go.sum, internal packages). */
function putModule(dir: string): void {
  for (const entry of readdirSync(FIXTURES_DIR)) {
    if (entry === 'go.mod' || entry === 'go.sum' || entry === 'internal') {
      cpSync(join(FIXTURES_DIR, entry), join(dir, entry), { recursive: true })
    }
  }
}

/** A repository with the fixtures' module and the service at ./cmd/api, created under `workDir`. */
export function makeFixtureRepo(
  base: string | SideSpec,
  head: string | SideSpec,
  workDir: string = tmpdir(),
): FixtureRepo {
  const baseSpec = typeof base === 'string' ? { fixture: base } : base
  const headSpec = typeof head === 'string' ? { fixture: head } : head
  mkdirSync(workDir, { recursive: true })
  const dir = mkdtempSync(join(workDir, 'memleak-repo-'))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    git(dir, 'init', '-q', '-b', 'main')
    putModule(dir)
    putService(dir, baseSpec)
    git(dir, 'add', '-A')
    git(dir, 'commit', '-qm', `base: ${baseSpec.fixture}`)
    const baseSha = git(dir, 'rev-parse', 'HEAD')
    putService(dir, headSpec)
    git(dir, 'add', '-A')
    git(dir, 'commit', '-qm', `head: ${headSpec.fixture}`, '--allow-empty')
    return { dir, baseSha, headSha: git(dir, 'rev-parse', 'HEAD'), remove }
  } catch (err) {
    remove()
    throw err
  }
}
