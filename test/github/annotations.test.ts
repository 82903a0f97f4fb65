import { describe, expect, it } from 'vitest'
import type { Finding } from '../../src/model/analysis.js'
import { annotationsFor, toRepoPath } from '../../src/github/annotations.js'
import * as F from '../report/fixtures.js'

const ROOT = { workspace: F.WORKSPACE, workingDirectory: '.', modulePath: F.MODULE }

describe('toRepoPath', () => {
  it('maps an absolute path under the workspace', () => {
    expect(toRepoPath(`${F.WORKSPACE}/cmd/api/handlers.go`, ROOT)).toBe('cmd/api/handlers.go')
    expect(toRepoPath(`${F.WORKSPACE}/cmd/api/handlers.go`, { ...ROOT, workspace: `${F.WORKSPACE}/` })).toBe(
      'cmd/api/handlers.go',
    )
  })

  it('maps a -trimpath path by the module path', () => {
    expect(toRepoPath(`${F.MODULE}/internal/cache/store.go`, ROOT)).toBe('internal/cache/store.go')
    expect(toRepoPath(`${F.MODULE}/main.go`, ROOT)).toBe('main.go')
  })

  it('in a monorepo, prefixes the working directory to -trimpath paths', () => {
    const mono = {
      workspace: '/home/runner/work/mono/mono',
      workingDirectory: 'services/api',
      modulePath: 'example.com/mono/api',
    }
    expect(toRepoPath('example.com/mono/api/cmd/server/main.go', mono)).toBe(
      'services/api/cmd/server/main.go',
    )
    expect(
      toRepoPath('example.com/mono/api/cmd/server/main.go', { ...mono, workingDirectory: './services/api/' }),
    ).toBe('services/api/cmd/server/main.go')
    // Absolute paths already carry the working directory.
    expect(toRepoPath('/home/runner/work/mono/mono/services/api/cmd/server/main.go', mono)).toBe(
      'services/api/cmd/server/main.go',
    )
  })

  it('leaves the standard library, dependencies and other modules unmapped', () => {
    expect(toRepoPath('net/http/server.go', ROOT)).toBeUndefined()
    expect(toRepoPath('/opt/hostedtoolcache/go/1.26.0/x64/src/net/http/server.go', ROOT)).toBeUndefined()
    expect(toRepoPath('github.com/gin-gonic/gin@v1.10.0/context.go', ROOT)).toBeUndefined()
    expect(
      toRepoPath('/home/runner/go/pkg/mod/github.com/gin-gonic/gin@v1.10.0/context.go', ROOT),
    ).toBeUndefined()
    // A module whose path merely starts like ours.
    expect(toRepoPath(`${F.MODULE}-extra/x.go`, ROOT)).toBeUndefined()
    expect(toRepoPath(`${F.MODULE}/v2/x.go`, ROOT)).toBeUndefined()
    // A sibling directory whose name starts like the workspace's.
    expect(toRepoPath(`${F.WORKSPACE}-other/x.go`, ROOT)).toBeUndefined()
  })

  it('never escapes the repository', () => {
    expect(toRepoPath(`${F.WORKSPACE}/../../etc/passwd`, ROOT)).toBeUndefined()
    expect(toRepoPath(`${F.MODULE}/../../etc/passwd`, ROOT)).toBeUndefined()
    expect(toRepoPath(`${F.MODULE}/x.go`, { ...ROOT, workingDirectory: '../outside' })).toBeUndefined()
  })
})

describe('annotationsFor', () => {
  it('puts a new leak at its own line as an error', () => {
    const [a, ...rest] = annotationsFor(F.heapLeakAnalysis(), ROOT)
    expect(rest).toEqual([])
    expect(a).toMatchObject({
      path: 'cmd/api/handlers.go',
      line: 42,
      level: 'error',
      title: 'New heap leak: +412 B/req',
    })
    expect(a.message).toContain('A map that only grows')
    expect(a.message).not.toContain('\n')
  })

  it('orders errors before warnings before notices; pre-existing leaks warn', () => {
    const goroutine = annotationsFor(F.goroutineLeakAnalysis(), ROOT)
    expect(goroutine.map((a) => [a.level, a.path, a.line])).toEqual([
      ['error', 'cmd/api/worker.go', 57],
      ['warning', 'cmd/api/rates.go', 19],
    ])
    const pre = annotationsFor(F.preExistingAnalysis(), ROOT)
    expect(pre.map((a) => a.level)).toEqual(['warning', 'notice'])
    expect(pre[0].title).toBe('Pre-existing heap leak: +410 B/req')
  })

  it('annotates significant allocation growth when the verdict is a regression', () => {
    const list = annotationsFor(F.regressionAnalysis(), ROOT)
    expect(list.map((a) => `${a.level} ${a.path}:${a.line} ${a.title}`)).toEqual([
      'warning internal/render/verbose.go:88 Allocation regression: +182% bytes per request',
      'warning internal/render/verbose.go:91 Allocation regression: +188% bytes per request',
    ])
    expect(list[1].message).toBe(
      'github.com/acme/shop/internal/render.renderVerbose allocates 410 B → 1.15 KiB per request (in encoding/json.(*encodeState).marshal).',
    )
    // Not without the regression verdict.
    expect(
      annotationsFor(
        { ...F.regressionAnalysis(), verdict: { leak: false, newLeak: false, regression: false } },
        ROOT,
      ),
    ).toEqual([])
  })

  it('keeps at most 10, the most important first, one per line', () => {
    const many: Finding[] = Array.from({ length: 15 }, (_, i) => ({
      ...F.heapLeakFinding(),
      status: i < 5 ? 'pre-existing' : 'new',
      site: F.site(`main.f${i}`, `${F.WORKSPACE}/f${i}.go`, i + 1),
    }))
    many.push({ ...F.heapLeakFinding(), site: F.site('main.dup', `${F.WORKSPACE}/f5.go`, 6) })
    const list = annotationsFor({ ...F.heapLeakAnalysis(), findings: many }, ROOT)
    expect(list).toHaveLength(10)
    expect(list.slice(0, 10).every((a) => a.level === 'error')).toBe(true)
    expect(new Set(list.map((a) => `${a.path}:${a.line}`)).size).toBe(10)
  })

  it('skips findings outside the repository (dependency, standard library, no own frame)', () => {
    const outside: Finding = {
      ...F.heapLeakFinding(),
      site: { key: 'x', function: 'github.com/gin-gonic/gin.(*Engine).pool', stack: [], ownFrame: undefined },
    }
    const stdlib: Finding = {
      ...F.heapLeakFinding(),
      site: F.site(
        'net/http.(*conn).serve',
        '/opt/hostedtoolcache/go/1.26.0/x64/src/net/http/server.go',
        2000,
      ),
    }
    expect(annotationsFor({ ...F.heapLeakAnalysis(), findings: [outside, stdlib] }, ROOT)).toEqual([])
  })

  it('maps -trimpath frames of a monorepo service', () => {
    const f: Finding = {
      ...F.heapLeakFinding(),
      site: F.site('main.remember', 'example.com/mono/api/cmd/server/cache.go', 12),
    }
    const [a] = annotationsFor(
      { ...F.heapLeakAnalysis(), findings: [f] },
      {
        workspace: '/w',
        workingDirectory: 'services/api',
        modulePath: 'example.com/mono/api',
      },
    )
    expect(a).toMatchObject({ path: 'services/api/cmd/server/cache.go', line: 12 })
  })
})
