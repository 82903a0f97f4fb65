import { describe, expect, it } from 'vitest'
import { findingNumber, blamedAllocator, causeLabel } from '../../src/report/headline.js'
import { shortFunction } from '../../src/report/inline.js'
import type { Finding } from '../../src/model/analysis.js'
import * as F from './fixtures.js'

describe('the line to change comes first', () => {
  it('a heap leak allocated inside a library names the service frame, the library frame as via', () => {
    const f: Finding = {
      ...F.heapLeakFinding(),
      site: { ...F.heapLeakFinding().site, function: 'encoding/json.Marshal' },
    }
    expect(findingNumber(f)).toBe(
      '+412 B/req retained in `main.rememberResponse` (handlers.go:42) via `json.Marshal`',
    )
  })

  it("a goroutine parked inside a library is blamed on the service's code that started it", () => {
    const f: Finding = {
      ...F.goroutineLeakAnalysis().findings[1],
      site: {
        key: 'pool',
        function: 'github.com/lib/pool.(*Pool).worker',
        ownFrame: { function: 'main.newPool', file: `${F.WORKSPACE}/cmd/api/pool.go`, line: 12 },
        stack: ['runtime.gopark x.go:1', 'github.com/lib/pool.(*Pool).worker pool.go:40'],
      },
    }
    expect(findingNumber(f)).toBe(
      '+1 goroutines/req stuck in `pool.(*Pool).worker`, started by `main.newPool` (pool.go:12)',
    )
  })

  it('an unclosed body is named as such', () => {
    const f = { kind: 'connection-leak' as const, details: { hintRule: 'response-body' } }
    expect(causeLabel(f)).toBe('connection leak: response body not closed')
    expect(causeLabel({ kind: 'rss-growth' })).toBe('memory outside the Go heap')
  })

  it('a regression is blamed on the largest significant site in own code, not the runtime', () => {
    const own = F.change(F.site('main.render', `${F.WORKSPACE}/cmd/api/render.go`, 8), 100, 400, {
      significant: true,
    })
    const runtime = F.change(F.site('runtime.mallocgc', '/go/src/runtime/malloc.go', 1), 100, 900, {
      significant: true,
    })
    runtime.site.ownFrame = undefined
    const noise = F.change(F.site('main.noise', `${F.WORKSPACE}/cmd/api/x.go`, 3), 10, 2000, {
      significant: false,
    })
    expect(blamedAllocator([runtime, noise, own])?.site.function).toBe('main.render')
    expect(blamedAllocator([runtime])?.site.function).toBe('runtime.mallocgc')
    expect(blamedAllocator([noise])).toBeUndefined()
  })
})

describe('function names', () => {
  it.each([
    ['github.com/hellofresh/health-go/v5.(*Health).Measure', 'health.(*Health).Measure'],
    ['gopkg.in/yaml%2ev3.Unmarshal', 'yaml.Unmarshal'],
    ['github.com/go-redis/redis/v9.(*Client).Get', 'redis.(*Client).Get'],
    ['github.com/x/go-cache/v2.New', 'cache.New'],
    ['github.com/acme/svc/internal/cache.(*Cache).Put', 'cache.(*Cache).Put'],
    ['main.handler', 'main.handler'],
  ])('%s -> %s', (name, short) => expect(shortFunction(name)).toBe(short))
})
