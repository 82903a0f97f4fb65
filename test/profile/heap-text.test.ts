import { describe, expect, it } from 'vitest'
import { absTotal } from '../../src/profile/aggregate.js'
import { decodeProfile } from '../../src/profile/decode.js'
import { heapTextSites, heapTextTotals } from '../../src/profile/heap-text.js'
import { fixture, fixtureText } from './fixtures.js'

/** The protobuf form's total of one sample type: what the final analysis reads. */
function protoTotal(file: string, type: string): number {
  const p = decodeProfile(fixture(file))
  return absTotal(
    p,
    p.sampleTypes.findIndex((t) => t.type === type),
  )
}

describe('heapTextTotals', () => {
  it('scales a sampled text profile as the protobuf form of the same moment is scaled', () => {
    // Written one after the other by the same process at rate 4096 (generate.sh): what writing
    // the first allocated is all that may differ, well under 1%.
    const t = heapTextTotals(fixtureText('heap-sampled.txt'))!
    const inuse = protoTotal('heap-sampled.pb.gz', 'inuse_space')
    const alloc = protoTotal('heap-sampled.pb.gz', 'alloc_space')
    expect(Math.abs(t.inuseBytes - inuse) / inuse).toBeLessThan(0.01)
    expect(Math.abs(t.allocBytes - alloc) / alloc).toBeLessThan(0.01)
    // Unscaled, the header's sums are far lower: the scaling is what matters.
    const header = /^heap profile: \d+: (\d+) \[\d+: (\d+)\]/.exec(fixtureText('heap-sampled.txt'))!
    expect(Number(header[1])).toBeLessThan(0.8 * inuse)
  })

  it('at rate 1 (every allocation recorded) sums the records as the header does', () => {
    const text = fixtureText('heap-debug1.txt')
    const header = /^heap profile: \d+: (\d+) \[\d+: (\d+)\] @ heap\/2$/m.exec(text)!
    expect(heapTextTotals(text)).toEqual({ inuseBytes: Number(header[1]), allocBytes: Number(header[2]) })
  })

  it.each([
    ['one record of small objects', '1: 64 [4: 256] @ 0x1\n', 65536, 1, 4],
    [
      'an object larger than the rate is nearly always sampled',
      '1: 1048576 [1: 1048576] @ 0x1\n',
      65536,
      1,
      1,
    ],
  ])('%s', (_, record, rate, inuseCount, allocCount) => {
    const t = heapTextTotals(`heap profile: 1: 1 [1: 1] @ heap/${2 * rate}\n${record}`)!
    const [, , , , allocBytes] = /^(\d+): (\d+) \[(\d+): (\d+)\]/.exec(record)!.map(Number)
    const avg = allocBytes / allocCount
    const scale = 1 / (1 - Math.exp(-avg / rate))
    expect(t.allocBytes).toBe(Math.round(allocBytes * scale))
    expect(t.inuseBytes).toBe(Math.round(((allocBytes * inuseCount) / allocCount) * scale))
  })

  it('is undefined for what is not a heap text profile', () => {
    expect(heapTextTotals(undefined)).toBeUndefined()
    expect(heapTextTotals('')).toBeUndefined()
    expect(heapTextTotals('goroutine profile: total 4\n')).toBeUndefined()
  })

  it('by site: the live bytes of each stack sum to the total, records of one stack together', () => {
    const text = fixtureText('heap-sampled.txt')
    const sites = heapTextSites(text)!
    const sum = [...sites.values()].reduce((a, b) => a + b, 0)
    expect(Math.abs(sum - heapTextTotals(text)!.inuseBytes)).toBeLessThan(2)
    expect([...sites.values()].every((v) => v > 0)).toBe(true)
    const two = heapTextSites(
      'heap profile: 2: 128 [2: 128] @ heap/2\n1: 64 [1: 64] @ 0x1 0x2\n1: 64 [1: 64] @ 0x1 0x2\n0: 0 [5: 320] @ 0x3\n',
    )!
    expect([...two]).toEqual([['0x1 0x2', 128]])
  })
})
