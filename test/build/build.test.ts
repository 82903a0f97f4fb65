// The build stage on real trees: a worktree at the base commit (fetched when the
// clone is shallow), go build with -trimpath, and build failures that name the side.
import { afterAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildSide, BuildError } from '../../src/build/go-build.js'
import { addBaseWorktree } from '../../src/build/worktree.js'
import { makeFixtureRepo, MODULE_PATH } from '../support/fixture-repo.js'

const cleanups: (() => void)[] = []
afterAll(() => cleanups.forEach((f) => f()))

function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-build-test-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('build stage', () => {
  it('builds base from a worktree and head from the workspace', async () => {
    const repo = makeFixtureRepo('healthy', 'mapcache')
    cleanups.push(repo.remove)
    const out = tmp()
    const base = await addBaseWorktree(repo.dir, repo.baseSha, () => {})
    try {
      expect(base.sha).toBe(repo.baseSha)
      const built = await buildSide({
        side: 'base',
        treeDir: base.dir,
        workingDirectory: '.',
        package: './cmd/api',
        buildCommand: '',
        binary: join(out, 'base'),
      })
      expect(built.modulePath).toBe(MODULE_PATH)
      expect(existsSync(built.binary)).toBe(true)
      // -trimpath: file names in the binary are module-relative, not the worktree's temp path.
      const strings = execFileSync('go', ['version', '-m', built.binary], { encoding: 'utf8' })
      expect(strings).toContain('-trimpath=true')
    } finally {
      await base.remove()
    }
    expect(existsSync(base.dir)).toBe(false)
  }, 300_000)

  it('fetches the base when the checkout is shallow', async () => {
    const repo = makeFixtureRepo('healthy', 'allocheavy')
    cleanups.push(repo.remove)
    const clone = join(tmp(), 'clone')
    execFileSync('git', ['clone', '-q', '--depth=1', `file://${repo.dir}`, clone])
    const lines: string[] = []
    const base = await addBaseWorktree(clone, repo.baseSha, (l) => lines.push(l))
    await base.remove()
    expect(base.sha).toBe(repo.baseSha)
    expect(lines.join('\n')).toContain('fetching it from origin')
  }, 60_000)

  it('names the side and shows the compiler output when the build fails', async () => {
    const repo = makeFixtureRepo('healthy', 'healthy')
    cleanups.push(repo.remove)
    writeFileSync(join(repo.dir, 'cmd/api/broken.go'), 'package main\n\nfunc broken() { undefinedThing() }\n')
    const error = await buildSide({
      side: 'head',
      treeDir: repo.dir,
      workingDirectory: '.',
      package: './cmd/api',
      buildCommand: '',
      binary: join(tmp(), 'head'),
    }).catch((e) => e)
    expect(error).toBeInstanceOf(BuildError)
    expect(error.message).toMatch(/^build of head failed/)
    expect(error.message).toContain('undefined: undefinedThing')
  }, 60_000)

  it('runs build-command with $MEMLEAK_BINARY and without the token', async () => {
    const repo = makeFixtureRepo('healthy', 'healthy')
    cleanups.push(repo.remove)
    const out = tmp()
    process.env.GITHUB_TOKEN = 'ghs_shouldNotLeak'
    try {
      const built = await buildSide({
        side: 'head',
        treeDir: repo.dir,
        workingDirectory: '.',
        package: '.',
        buildCommand: `env > ${join(out, 'build-env.txt')} && go build -o "$MEMLEAK_BINARY" ./cmd/api`,
        binary: join(out, 'head'),
      })
      expect(existsSync(built.binary)).toBe(true)
      const env = execFileSync('cat', [join(out, 'build-env.txt')], { encoding: 'utf8' })
      expect(env).toContain('MEMLEAK_SIDE=head')
      expect(env).not.toContain('ghs_shouldNotLeak')
    } finally {
      delete process.env.GITHUB_TOKEN
    }
  }, 60_000)

  it('says when build-command wrote no binary', async () => {
    const repo = makeFixtureRepo('healthy', 'healthy')
    cleanups.push(repo.remove)
    const error = await buildSide({
      side: 'base',
      treeDir: repo.dir,
      workingDirectory: '.',
      package: '.',
      buildCommand: 'true',
      binary: join(tmp(), 'none'),
    }).catch((e) => e)
    expect(error.message).toMatch(/build of base succeeded but wrote no binary at \$MEMLEAK_BINARY/)
  })
})
