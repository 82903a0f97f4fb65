// Throwaway pull-request repositories for the end-to-end sections: a base
// commit and a head commit of one service, as the action sees a PR.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')
export const FIXTURES_DIR = join(ROOT, 'test/fixtures/go')
export const GIN_EXAMPLE = join(ROOT, 'examples/gin-service')

export interface PrRepo {
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
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@example.com',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@example.com',
    },
  }).trim()
}

/** A side of the PR: which fixture service, and an optional rewrite of its main.go. */
export interface SideSpec {
  fixture: string
  rewrite?: (mainGo: string) => string
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
}

/** A repository with the fixtures' module; the service is at ./cmd/api. */
export function fixturePr(workDir: string, base: SideSpec, head: SideSpec): PrRepo {
  mkdirSync(workDir, { recursive: true })
  const dir = mkdtempSync(join(workDir, 'pr-'))
  try {
    return fillFixturePr(dir, base, head)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

function fillFixturePr(dir: string, base: SideSpec, head: SideSpec): PrRepo {
  git(dir, 'init', '-q', '-b', 'main')
  for (const entry of readdirSync(FIXTURES_DIR)) {
    if (entry === 'go.mod' || entry === 'go.sum' || entry === 'internal') {
      cpSync(join(FIXTURES_DIR, entry), join(dir, entry), { recursive: true })
    }
  }
  putService(dir, base)
  git(dir, 'add', '-A')
  git(dir, 'commit', '-qm', `base: ${base.fixture}`)
  const baseSha = git(dir, 'rev-parse', 'HEAD')
  putService(dir, head)
  git(dir, 'add', '-A')
  git(dir, 'commit', '-qm', `head: ${head.fixture}`, '--allow-empty')
  return {
    dir,
    baseSha,
    headSha: git(dir, 'rev-parse', 'HEAD'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The demo's PR (scripts/demo.mjs): the Gin example, head adds a global map cache. The service is at ".". */
export function demoPr(workDir: string): PrRepo {
  mkdirSync(workDir, { recursive: true })
  const dir = mkdtempSync(join(workDir, 'demo-'))
  try {
    return fillDemoPr(dir)
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

function fillDemoPr(dir: string): PrRepo {
  for (const file of ['go.mod', 'go.sum', 'main.go']) cpSync(join(GIN_EXAMPLE, file), join(dir, file))
  git(dir, 'init', '-q', '-b', 'main')
  git(dir, 'add', '-A')
  git(dir, 'commit', '-qm', 'base: the /time service')
  const baseSha = git(dir, 'rev-parse', 'HEAD')
  cpSync(join(GIN_EXAMPLE, 'demo-head/main.go'), join(dir, 'main.go'))
  git(dir, 'commit', '-qam', 'head: cache every response in a global map')
  return {
    dir,
    baseSha,
    headSha: git(dir, 'rev-parse', 'HEAD'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/**
 * The planted fixture with its LEAK_BYTES default changed in the code: the
 * action's env input applies to both sides, so a leak only on head has to
 * differ in the code, as a real PR would.
 */
export function plantedDefault(bytes: number): (mainGo: string) => string {
  const pattern = /svc\.EnvInt\("LEAK_BYTES", \d+\)/
  return (src) => {
    if (!pattern.test(src)) throw new Error('planted/main.go: no svc.EnvInt("LEAK_BYTES", N) to rewrite')
    return src.replace(pattern, `svc.EnvInt("LEAK_BYTES", ${bytes})`)
  }
}
