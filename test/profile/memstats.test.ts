import { describe, expect, it } from 'vitest'
import { ProfileError } from '../../src/profile/profile-error.js'
import { parseMemStats } from '../../src/profile/memstats.js'
import { fixtureText } from './fixtures.js'

describe('parseMemStats', () => {
  it('reads the footer of a real heap?debug=1', () => {
    const text = fixtureText('heap-debug1.txt')
    const m = parseMemStats(text)
    const footer = (name: string): number => Number(new RegExp(`^# ${name} = (\\S+)$`, 'm').exec(text)![1])
    expect(m.heapInuse).toBe(footer('HeapInuse'))
    expect(m.heapAlloc).toBe(footer('HeapAlloc'))
    expect(m.heapReleased).toBe(footer('HeapReleased'))
    expect(m.numGC).toBeGreaterThanOrEqual(1)
    expect(m.gcCPUFraction).toBe(footer('GCCPUFraction'))
    // "# Stack = inuse / sys"
    const [inuse, sys] = /^# Stack = (\d+) \/ (\d+)$/m.exec(text)!.slice(1).map(Number)
    expect([m.stackInuse, m.stackSys]).toEqual([inuse, sys])
    expect(m.mSpanInuse).toBeGreaterThan(0)
    expect(m.mCacheInuse).toBeGreaterThan(0)
    // Arrays and booleans are skipped, not misread.
    expect(m.raw).not.toHaveProperty('PauseNs')
    expect(m.raw).not.toHaveProperty('PauseEnd')
    expect(m.raw).not.toHaveProperty('DebugGC')
    expect(m.raw.Lookups).toBe(0)
    // Heap profile records ("#\t0x4a1b2c\tmain.f+0x2c\t...") never leak in.
    expect(Object.keys(m.raw).every((k) => /^\w+$/.test(k))).toBe(true)
  })

  it('reads the example lines, including exponents and MaxRSS', () => {
    const m = parseMemStats(
      [
        'heap profile: 1: 2 [3: 4] @ heap/524288',
        '# runtime.MemStats',
        '# HeapInuse = 1234',
        '# NumGC = 7',
        '# GCCPUFraction = 1.5e-05',
        '# PauseNs = [1 2 3]',
        '# DebugGC = false',
        '# MaxRSS = 8486912',
        '# Stack = 10 / 20',
      ].join('\n'),
    )
    expect(m).toMatchObject({
      heapInuse: 1234,
      numGC: 7,
      gcCPUFraction: 1.5e-5,
      maxRSS: 8486912,
      stackInuse: 10,
      stackSys: 20,
    })
    expect(m.alloc).toBeUndefined()
  })

  it('tolerates CRLF line ends', () => {
    expect(parseMemStats('# HeapInuse = 5\r\n# NumGC = 2\r\n')).toMatchObject({ heapInuse: 5, numGC: 2 })
  })

  it('says when there is no footer', () => {
    expect(() => parseMemStats('<html>404</html>')).toThrow(ProfileError)
    expect(() => parseMemStats('<html>404</html>')).toThrow(/no runtime\.MemStats footer/)
  })
})
