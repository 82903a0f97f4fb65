import { describe, expect, it } from 'vitest'
import { decodeProfile } from '../../src/profile/decode.js'
import { ProfileError } from '../../src/profile/profile-error.js'
import { parseGoroutineDump } from '../../src/profile/goroutine-dump.js'
import { fixture, fixtureText } from './fixtures.js'

const FILE = 'memleak-action/profilegen/main.go'

describe('parseGoroutineDump on a real debug=2 dump', () => {
  const dump = parseGoroutineDump(fixtureText('goroutine-debug2.txt'))
  const byTop = (func: string) => dump.find((g) => g.frames.some((f) => f.func === func))!

  it('finds every goroutine, as many as the proto profile counts', () => {
    const proto = decodeProfile(fixture('goroutine.pb.gz'))
    const total = proto.samples.reduce((n, s) => n + s.values[0]!, 0)
    expect(dump).toHaveLength(total)
    expect(new Set(dump.map((g) => g.id)).size).toBe(dump.length)
  })

  it('reads states, including the ones with parentheses and extras', () => {
    expect(dump[0]).toMatchObject({ id: 1, state: 'running' })
    expect(byTop('main.startWorker.func1').state).toBe('chan send')
    expect(byTop('main.parkGoroutines.func1').state).toBe('chan receive')
    expect(byTop('main.parkGoroutines.func2').state).toBe('chan receive (nil chan)')
    expect(byTop('main.parkGoroutines.func3').state).toBe('select')
    expect(byTop('main.parkGoroutines.func4')).toMatchObject({ state: 'select', lockedToThread: true })
    expect(byTop('main.parkGoroutines.func5').state).toBe('sync.Mutex.Lock')
    expect(byTop('main.parkGoroutines.func7').state).toBe('IO wait')
    expect(byTop('main.parkGoroutines.func3').lockedToThread).toBeUndefined()
  })

  it('reads frames leaf first, with file and line, and the creator', () => {
    const g = byTop('main.startWorker.func1')
    expect(g.frames).toEqual([{ func: 'main.startWorker.func1', file: FILE, line: expect.any(Number) }])
    expect(g.createdBy).toEqual({
      func: 'main.startWorker',
      file: FILE,
      line: expect.any(Number),
      goroutine: 1,
    })
    const mutex = byTop('main.parkGoroutines.func5')
    expect(mutex.frames.map((f) => f.func)).toEqual([
      'internal/sync.runtime_SemacquireMutex',
      'internal/sync.(*Mutex).lockSlow',
      'internal/sync.(*Mutex).Lock',
      'sync.(*Mutex).Lock',
      'main.parkGoroutines.func5',
    ])
    expect(mutex.frames[0]).toEqual({
      func: 'internal/sync.runtime_SemacquireMutex',
      file: 'runtime/sema.go',
      line: 95,
    })
    expect(byTop('runtime/pprof.writeGoroutineStacks').createdBy).toBeUndefined()
  })

  it('counts frames the runtime elided from a deep stack', () => {
    const deep = byTop('main.deepPark')
    expect(deep.state).toBe('chan receive')
    expect(deep.elidedFrames).toBeGreaterThan(0)
    expect(deep.frames.length).toBe(100)
    expect(deep.createdBy?.func).toBe('main.parkGoroutines')
  })
})

describe('parseGoroutineDump with GODEBUG=tracebackancestors', () => {
  const dump = parseGoroutineDump(fixtureText('goroutine-debug2-ancestors.txt'))

  it('keeps ancestors apart from the goroutine’s own stack and creator', () => {
    const g = dump.find((x) => x.frames[0]?.func === 'main.startWorker.func1')!
    expect(g.frames).toHaveLength(1)
    expect(g.createdBy).toMatchObject({ func: 'main.startWorker', goroutine: 1 })
    expect(g.ancestors).toHaveLength(1)
    expect(g.ancestors![0]!.goroutine).toBe(1)
    expect(g.ancestors![0]!.frames.map((f) => f.func)).toEqual([
      'main.startWorker',
      'main.parkGoroutines',
      'main.main',
    ])
  })

  it('keeps the deep goroutine’s elided count from its own stack', () => {
    const deep = dump.find((x) => x.frames[0]?.func === 'main.deepPark')!
    expect(deep.elidedFrames).toBeGreaterThan(0)
    expect(deep.ancestors?.[0]?.frames.map((f) => f.func)).toEqual(['main.parkGoroutines', 'main.main'])
  })
})

describe('parseGoroutineDump on runtime formats the fixtures do not show', () => {
  it('reads wait minutes, leaked, durable, labels, GOTRACEBACK=system headers and fp= suffixes', () => {
    const text = [
      'goroutine 7 [chan send, 3 minutes]:',
      'main.startWorker.func1()',
      '\t/src/app/worker.go:12 +0x1d',
      'created by main.startWorker in goroutine 6',
      '\t/src/app/worker.go:10 +0x4f',
      '',
      'goroutine 8 gp=0xc000007180 m=nil [select (leaked), 1 minutes, locked to thread]:',
      'main.(*Server).loop(0xc000010000, {0x1, 0x2})',
      '\t/src/app/server.go:40 +0x5a fp=0xc000051f88 sp=0xc000051f50 pc=0x4a2b3a',
      'created by main.New',
      '\tC:/src/app/server.go:20 +0x88',
      '',
      'goroutine 9 [chan receive (durable), synctest bubble 1]:',
      'main.F[...](...)',
      '\t/src/app/f.go:5',
      '',
      'goroutine 10 [sleep labels:{"handler": "/users", "q": "a\\"b"}]:',
      'time.Sleep(0x3b9aca00)',
      '\t/usr/local/go/src/runtime/time.go:300 +0xf5',
      '...additional frames elided...',
      '',
      'goroutine 11 [running]:',
      '\tgoroutine running on other thread; stack unavailable',
    ].join('\n')
    const [a, b, c, d, e] = parseGoroutineDump(text)
    expect(a).toEqual({
      id: 7,
      state: 'chan send',
      waitMinutes: 3,
      frames: [{ func: 'main.startWorker.func1', file: '/src/app/worker.go', line: 12 }],
      createdBy: { func: 'main.startWorker', file: '/src/app/worker.go', line: 10, goroutine: 6 },
    })
    expect(b).toMatchObject({ id: 8, state: 'select', leaked: true, waitMinutes: 1, lockedToThread: true })
    expect(b!.frames).toEqual([{ func: 'main.(*Server).loop', file: '/src/app/server.go', line: 40 }])
    expect(b!.createdBy).toEqual({ func: 'main.New', file: 'C:/src/app/server.go', line: 20 })
    expect(c).toMatchObject({ id: 9, state: 'chan receive', durable: true })
    expect(c!.frames).toEqual([{ func: 'main.F[...]', file: '/src/app/f.go', line: 5 }])
    expect(d).toMatchObject({
      id: 10,
      state: 'sleep',
      labels: { handler: '/users', q: 'a"b' },
      elidedFrames: 0,
    })
    expect(e).toEqual({ id: 11, state: 'running', frames: [] })
  })

  it('returns nothing for empty text and fails on text that is not a dump', () => {
    expect(parseGoroutineDump('')).toEqual([])
    expect(() => parseGoroutineDump('<html>404 page not found</html>')).toThrow(ProfileError)
  })
})
