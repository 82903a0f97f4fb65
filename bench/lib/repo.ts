// Throwaway pull-request repositories for the end-to-end sections: the tests'
// fixture PRs (test/support/fixture-repo.ts), plus the demo's PR and the
// planted leak's code change.
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  FIXTURES_DIR,
  git,
  makeFixtureRepo,
  type FixtureRepo,
  type SideSpec,
} from '../../test/support/fixture-repo.js'

export const ROOT = join(import.meta.dirname, '..', '..')
export const GIN_EXAMPLE = join(ROOT, 'examples/gin-service')

export type PrRepo = FixtureRepo
export type { SideSpec }
export { FIXTURES_DIR }

/** A repository with the fixtures' module; the service is at ./cmd/api. */
export function fixturePr(workDir: string, base: SideSpec, head: SideSpec): PrRepo {
  return makeFixtureRepo(base, head, workDir)
}

/** The demo's PR (scripts/demo.mjs): the Gin example, head adds a global map cache. The service is at ".". */
export function demoPr(workDir: string): PrRepo {
  mkdirSync(workDir, { recursive: true })
  const dir = mkdtempSync(join(workDir, 'demo-'))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    for (const file of ['go.mod', 'go.sum', 'main.go']) cpSync(join(GIN_EXAMPLE, file), join(dir, file))
    git(dir, 'init', '-q', '-b', 'main')
    git(dir, 'add', '-A')
    git(dir, 'commit', '-qm', 'base: the /time service')
    const baseSha = git(dir, 'rev-parse', 'HEAD')
    cpSync(join(GIN_EXAMPLE, 'demo-head/main.go'), join(dir, 'main.go'))
    git(dir, 'commit', '-qam', 'head: cache every response in a global map')
    return { dir, baseSha, headSha: git(dir, 'rev-parse', 'HEAD'), remove }
  } catch (err) {
    remove()
    throw err
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
