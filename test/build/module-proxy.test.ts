// The module proxy the sandboxed build-command gets: the runner's cached module
// files over loopback HTTP, and nothing outside that cache.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { proxyFile, startModuleProxy } from '../../src/build/module-proxy.js'

describe('module proxy for the sandbox', () => {
  const root = mkdtempSync(join(tmpdir(), 'memleak-modproxy-'))
  const cache = join(root, 'cache/download')
  mkdirSync(join(cache, 'github.com/!foo/bar/@v'), { recursive: true })
  writeFileSync(join(cache, 'github.com/!foo/bar/@v/v1.2.3.mod'), 'module github.com/Foo/bar\n')
  writeFileSync(join(root, 'secret.txt'), 'not for the sandbox')
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('names only module files inside the cache', () => {
    expect(proxyFile(cache, '/github.com/!foo/bar/@v/v1.2.3.mod')).toBe(
      join(cache, 'github.com/!foo/bar/@v/v1.2.3.mod'),
    )
    expect(proxyFile(cache, '/github.com/!foo/bar/@v/list')).toBe(join(cache, 'github.com/!foo/bar/@v/list'))
    for (const bad of [
      '/../../secret.txt',
      '/x/@v/../../../secret.txt',
      '/%2e%2e/%2e%2e/secret.txt',
      '/x/@v/v1.txt',
      '/x/@latest',
      '/%zz',
    ]) {
      expect(proxyFile(cache, bad), bad).toBeUndefined()
    }
  })

  it('serves a cached file, 404 for anything else', async () => {
    const proxy = await startModuleProxy(cache)
    try {
      const ok = await fetch(`${proxy.url}/github.com/!foo/bar/@v/v1.2.3.mod`)
      expect(ok.status).toBe(200)
      expect(await ok.text()).toBe('module github.com/Foo/bar\n')
      expect((await fetch(`${proxy.url}/github.com/!foo/bar/@v/v9.9.9.zip`)).status).toBe(404)
      expect((await fetch(`${proxy.url}/..%2f..%2fsecret.txt`)).status).toBe(404)
      expect(
        (await fetch(`${proxy.url}/github.com/!foo/bar/@v/v1.2.3.mod`, { method: 'PUT', body: 'x' })).status,
      ).toBe(404)
    } finally {
      await proxy.close()
    }
  })
})
