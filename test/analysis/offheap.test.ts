import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { offHeapCaller } from '../../src/analysis/offheap.js'
import { decodeProfile } from '../../src/profile/decode.js'
import type { Frame, Profile } from '../../src/model/profile.js'

const DIR = join(import.meta.dirname, '../fixtures/profiles/offheap')
const cpu = (name: string) => decodeProfile(readFileSync(join(DIR, name)))
const MODULE = 'example.com/fixtures'

/** A hand-made CPU profile: one sample per stack (function names, leaf first) with n samples. */
function profileOf(stacks: [string[], number][]): Profile {
  const frame = (name: string, line: number): Frame => ({
    func: { name, systemName: name, filename: `${name.split('.')[0]}.go`, startLine: 1 },
    line,
    address: 0,
  })
  return {
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    samples: stacks.map(([names, n]) => ({
      stack: names.map((name, i) => frame(name, 10 + i)),
      values: [n, n * 1e7],
      labels: {},
    })),
    period: 1e7,
    timeNanos: 0,
    durationNanos: 4e9,
  }
}

describe('where memory outside the Go heap is mapped (CPU profile)', () => {
  it("the offheap service's mmap calls point at main.mapScratch, via unix.MmapPtr", () => {
    const caller = offHeapCaller(cpu('offheap-cpu.pb.gz'), cpu('healthy-cpu.pb.gz'), MODULE)
    expect(caller?.own.function).toBe('main.mapScratch')
    expect(caller?.own.file).toMatch(/offheap\/main\.go$/)
    expect(caller?.via).toBe('golang.org/x/sys/unix.MmapPtr')
    expect(caller?.stack[0]).toMatch(/^internal\/runtime\/syscall\/linux\.Syscall6 /)
    expect(caller?.baseShare).toBe(0)
    expect(caller!.share).toBeGreaterThan(0)
  })

  it('a healthy service maps nothing: no line to blame', () => {
    expect(offHeapCaller(cpu('healthy-cpu.pb.gz'), undefined, MODULE)).toBeUndefined()
  })

  const syscall = ['internal/runtime/syscall/linux.Syscall6', 'syscall.Syscall6']
  it.each<[string, [string[], number][], [string[], number][] | undefined, string | undefined]>([
    [
      'a cgo call is blamed on the caller, not the generated wrapper',
      [[['runtime.cgocall', 'main._Cfunc_malloc', 'main.newBuffer', 'main.handle'], 20]],
      undefined,
      'main.newBuffer',
    ],
    [
      'the runtime growing its own heap is not a caller',
      [[['runtime.mmap', 'runtime.sysMmap', 'runtime.(*mheap).grow', 'main.handle'], 50]],
      undefined,
      undefined,
    ],
    [
      'too few samples to tell',
      [[[...syscall, 'syscall.mmap', 'syscall.Mmap', 'main.mapOnce'], 4]],
      undefined,
      undefined,
    ],
    [
      'the caller that maps more on head than on base wins over one that maps the same on both',
      [
        [[...syscall, 'syscall.mmap', 'syscall.Mmap', 'main.openIndex'], 40],
        [['runtime.cgocall', 'main._Cfunc_sqlite3_step', 'main.query'], 30],
        [['main.handle'], 100],
      ],
      [
        [[...syscall, 'syscall.mmap', 'syscall.Mmap', 'main.openIndex'], 40],
        [['main.handle'], 130],
      ],
      'main.query',
    ],
  ])('%s', (_, head, base, expected) => {
    const caller = offHeapCaller(profileOf(head), base ? profileOf(base) : undefined, MODULE)
    expect(caller?.own.function).toBe(expected)
  })
})
