import { describe, expect, it } from 'vitest'
import {
  connectionLeakHint,
  goroutineLeakHint,
  heapLeakHint,
  type GoroutineHintEvidence,
  type HeapHintEvidence,
  rssGrowthHint,
  type RssHintEvidence,
} from '../../src/analysis/hints.js'

const MiB = 1024 * 1024

describe('heap leak hint rules', () => {
  const base: HeapHintEvidence = {
    where: 'main.store',
    functions: new Set(['main.store', 'main.handle']),
    inuseObjectsStart: 10,
    inuseObjectsEnd: 12,
    inuseEnd: 64 * MiB,
    largestObjectStart: 32 * 1024,
    largestObjectEnd: 32 * 1024,
  }
  const cases: [string, Partial<HeapHintEvidence>, string, RegExp][] = [
    [
      'runtime.mapassign on the stack',
      { functions: new Set(['runtime.mapassign_faststr', 'main.store']) },
      'map',
      /map in main\.store .*LRU or TTL/,
    ],
    [
      'swiss-map internals on the stack',
      { functions: new Set(['internal/runtime/maps.newarray', 'main.store']) },
      'map',
      /map/,
    ],
    [
      'runtime.growslice on the stack',
      { functions: new Set(['runtime.growslice', 'main.store']) },
      'slice',
      /slice appended to in main\.store only grows\. Cap it/,
    ],
    [
      'one big object that keeps growing',
      { largestObjectStart: 1 * MiB, largestObjectEnd: 16 * MiB },
      'slice',
      /backing array is now one 16\.0 MiB object/,
    ],
    [
      'a big object that does not grow',
      { largestObjectStart: 16 * MiB, largestObjectEnd: 16 * MiB },
      'retained',
      /never freed/,
    ],
    [
      'bytes.Buffer on the stack',
      { functions: new Set(['bytes.growSlice', 'main.store']) },
      'buffer',
      /Reset\(\)/,
    ],
    [
      'many small objects piling up',
      { inuseObjectsStart: 1000, inuseObjectsEnd: 500_000, inuseEnd: 32 * MiB },
      'collection',
      /Small objects allocated in main\.store pile up/,
    ],
    ['nothing specific', {}, 'retained', /Memory allocated in main\.store is never freed/],
  ]
  it.each(cases)('%s -> %s', (_, over, rule, text) => {
    const h = heapLeakHint({ ...base, ...over })
    expect(h.rule).toBe(rule)
    expect(h.hint).toMatch(text)
  })
})

describe('goroutine leak hint rules', () => {
  const base: GoroutineHintEvidence = {
    creator: 'main.spawn',
    blockingFunction: 'main.wait',
    functions: ['main.wait'],
  }
  const cases: [string, Partial<GoroutineHintEvidence>, string, RegExp][] = [
    [
      'chan send (dump)',
      { waitReason: 'chan send' },
      'chan-send',
      /started by main\.spawn block forever sending.*buffered/,
    ],
    ['chan send (stack)', { waitFunction: 'runtime.chansend1' }, 'chan-send', /sending/],
    [
      'chan receive',
      { waitReason: 'chan receive' },
      'chan-receive',
      /Close the channel when the producer is done/,
    ],
    ['nil chan receive', { waitFunction: 'runtime.chanrecv2' }, 'chan-receive', /receiving/],
    ['empty select', { waitReason: 'select (no cases)' }, 'select-empty', /select \{\}/],
    ['select', { waitFunction: 'runtime.selectgo' }, 'select', /case <-ctx\.Done\(\)/],
    ['IO wait', { waitReason: 'IO wait' }, 'io-wait', /deadlines/],
    ['mutex', { waitReason: 'sync.Mutex.Lock' }, 'sync', /defer mu\.Unlock\(\)/],
    ['WaitGroup', { waitFunction: 'runtime.semacquire1' }, 'sync', /defer wg\.Done\(\)/],
    ['sleep loop', { functions: ['time.Sleep', 'main.poll'] }, 'sleep', /Stop\(\) tickers/],
    [
      'persistConn loops',
      { functions: ['net/http.(*persistConn).readLoop'], waitReason: 'IO wait' },
      'persistconn',
      /resp\.Body\.Close\(\)/,
    ],
    ['anything else', {}, 'goroutine', /never exit \(parked in main\.wait\)/],
  ]
  it.each(cases)('%s -> %s', (_, over, rule, text) => {
    const h = goroutineLeakHint({ ...base, ...over })
    expect(h.rule).toBe(rule)
    expect(h.hint).toMatch(text)
  })
  it('names the parking place when the creator is unknown', () => {
    expect(
      goroutineLeakHint({ blockingFunction: 'main.wait', functions: [], waitReason: 'chan send' }).hint,
    ).toMatch(/^Goroutines parked in main\.wait block forever/)
  })
})

describe('connection leak hint', () => {
  it('names the caller when known', () => {
    expect(connectionLeakHint('main.fetch').hint).toMatch(
      /^Close the HTTP response body in main\.fetch: defer resp\.Body\.Close\(\)/,
    )
    expect(connectionLeakHint(undefined).hint).toMatch(/^Close the HTTP response body: /)
  })
})

describe('RSS hint rules', () => {
  const base: RssHintEvidence = { rssGrowth: 100 * MiB }
  const cases: [string, Partial<RssHintEvidence>, string, RegExp][] = [
    ['stacks grew by half of RSS', { stackInuseGrowth: 60 * MiB }, 'stacks', /StackInuse/],
    [
      'stacks grew by a quarter while goroutines grew',
      { stackInuseGrowth: 30 * MiB, goroutineGrowth: 5000 },
      'stacks',
      /goroutine counts/,
    ],
    [
      'freed memory kept by the runtime',
      { unreturnedGrowth: 80 * MiB, sysGrowth: 90 * MiB },
      'not-returned',
      /Set GOMEMLIMIT/,
    ],
    [
      'freed memory kept, GOMEMLIMIT set',
      { unreturnedGrowth: 80 * MiB, gomemlimit: '1GiB' },
      'not-returned',
      /GOMEMLIMIT is 1GiB; lower it/,
    ],
    ['Sys flat', { sysGrowth: 2 * MiB }, 'outside-go', /cgo/],
    ['HeapSys grew', { sysGrowth: 90 * MiB, heapSysGrowth: 80 * MiB }, 'fragmentation', /fragmentation/],
    ['nothing to go on', {}, 'runtime', /GOMEMLIMIT makes the runtime return memory sooner/],
  ]
  it.each(cases)('%s -> %s', (_, over, rule, text) => {
    const h = rssGrowthHint({ ...base, ...over })
    expect(h.rule).toBe(rule)
    expect(h.hint).toMatch(text)
  })
})
