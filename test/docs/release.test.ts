// Release hygiene that RELEASING.md relies on: one version everywhere, and a
// changelog that has a place for it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VERSION } from '../../src/model/version.js'

const root = join(import.meta.dirname, '../..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')
const pkg = JSON.parse(read('package.json')) as { version: string }

describe('release hygiene', () => {
  it('package.json and the bundle (src/version.ts) carry the same semantic version', () => {
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
    expect(VERSION).toBe(pkg.version)
  })

  it('CHANGELOG.md has an Unreleased section or one for this version, with a link for each', () => {
    const changelog = read('CHANGELOG.md')
    const sections = [...changelog.matchAll(/^## \[([^\]]+)\]/gm)].map((m) => m[1])
    expect(sections.length).toBeGreaterThan(0)
    expect(sections[0] === 'Unreleased' || sections.includes(pkg.version)).toBe(true)
    for (const section of sections)
      expect(changelog).toMatch(new RegExp(`^\\[${section.replace(/\./g, '\\.')}\\]: `, 'm'))
  })

  it('RELEASING.md moves the major tag with git tag -fa and checks dist', () => {
    const releasing = read('RELEASING.md')
    expect(releasing).toMatch(/git tag -fa v\d/)
    expect(releasing).toContain('npm run check-dist')
  })
})
