import { describe, expect, it } from 'vitest'
import { decodeProfile } from '../../src/profile/decode.js'
import { diffFiles, diffProfiles } from '../../src/profile/diff.js'
import { ProfileError } from '../../src/profile/profile-error.js'
import { formatTable } from '../../src/profile/top-format.js'
import { buildProfile, expected, fixture, fixtureText, fromShowing } from './fixtures.js'

const base = decodeProfile(fixture('heap-base.pb.gz'))
const head = decodeProfile(fixture('heap-head.pb.gz'))

describe('diffProfiles matches go tool pprof -top -diff_base', () => {
  it.each(Object.entries(expected.diff))('-sample_index=%s', (sampleType, top) => {
    const table = diffProfiles(base, head, sampleType, { inlineMarks: true })
    // pprof's percentages are relative to the base's total.
    expect(table.total).toBe(top.total)
    expect(table.baseTotal).toBe(top.total)
    expect(
      table.rows.map((r) => ({
        name: r.name,
        flat: r.flat,
        cum: r.cum,
        ...(r.inline ? { inline: r.inline } : {}),
      })),
    ).toEqual(top.rows)
    expect(table.rows.reduce((n, r) => n + r.flat, 0)).toBe(top.shown)
  })

  it('finds what the generator changed: 2 MiB more leaked, half the cache, twice the churn', () => {
    const inuse = diffProfiles(base, head, 'inuse_space')
    expect(inuse.rows[0]!.name).toBe('main.leakGlobal')
    expect(inuse.rows[0]!.flat).toBeGreaterThanOrEqual(2 << 20)
    expect(inuse.rows.find((r) => r.name === 'main.newEntry')!.flat).toBe(-32 * 1024)
    const alloc = diffProfiles(base, head, 'alloc_space')
    expect(alloc.rows.find((r) => r.name === 'main.churn')!.flat).toBeGreaterThanOrEqual(256 * 8192)
    expect(diffProfiles(head, head, 'inuse_space').rows).toEqual([])
  })

  it('names the sample type a profile lacks', () => {
    const cpu = decodeProfile(fixture('cpu.pb.gz'))
    expect(() => diffProfiles(cpu, head, 'inuse_space')).toThrow(
      new ProfileError('profile has no inuse_space sample type (has: samples, cpu)'),
    )
  })

  it('refuses to subtract different units', () => {
    const bytes = buildProfile({ sampleTypes: [['x', 'bytes']], samples: [] })
    const count = buildProfile({ sampleTypes: [['x', 'count']], samples: [] })
    expect(() => diffProfiles(decodeProfile(bytes), decodeProfile(count), 'x')).toThrow(
      'cannot diff x: base is in bytes, head in count',
    )
  })
})

describe('diff text reads like go tool pprof -top -diff_base', () => {
  it('with pprof defaults', () => {
    const out = diffFiles(fixture('heap-base.pb.gz'), fixture('heap-head.pb.gz'), {
      names: ['heap-base.pb.gz', 'heap-head.pb.gz'],
    })
    expect(out.split('\n').slice(0, 3)).toEqual([
      'Type: inuse_space',
      'Base: heap-base.pb.gz',
      'Head: heap-head.pb.gz',
    ])
    expect(fromShowing(out)).toBe(fromShowing(fixtureText('pprof-top-diff-inuse_space.txt')))
  })

  it('with -nodecount=3: dropped and top-N labels, marks of the rebuilt graph', () => {
    const table = diffProfiles(base, head, 'alloc_space')
    expect(formatTable(table, { limit: 3 })).toBe(
      fromShowing(fixtureText('pprof-top-diff-alloc_space-top3.txt')),
    )
    const out = diffFiles(fixture('heap-base.pb.gz'), fixture('heap-head.pb.gz'), {
      sampleType: 'alloc_space',
      limit: 3,
    })
    expect(fromShowing(out)).toBe(fromShowing(fixtureText('pprof-top-diff-alloc_space-top3.txt')))
  })

  it('defaults to the head profile’s own type when there is no inuse_space', () => {
    const cpu = fixture('cpu.pb.gz')
    const out = diffFiles(cpu, cpu)
    expect(out).toMatch(/^Type: cpu\n/)
    // Nothing changed; the total is the base's, as pprof prints it for the same file.
    const pprofTotal = /of (\S+) total/.exec(fixtureText('pprof-top-cpu.txt'))![1]
    expect(out).toContain(`Showing nodes accounting for 0, 0% of ${pprofTotal} total`)
  })

  it('says which file lacks the sample type', () => {
    expect(() =>
      diffFiles(fixture('cpu.pb.gz'), fixture('heap.pb.gz'), { names: ['cpu.pb.gz', 'heap.pb.gz'] }),
    ).toThrow(new ProfileError('cpu.pb.gz: profile has no inuse_space sample type (has: samples, cpu)'))
    expect(() =>
      diffFiles(fixture('heap.pb.gz'), fixture('heap.pb.gz'), { sampleType: 'cpu', names: ['a', 'b'] }),
    ).toThrow(
      /^a: profile has no cpu sample type \(has: alloc_objects, alloc_space, inuse_objects, inuse_space\)$/,
    )
  })

  it('says which file a decoding error is about', () => {
    expect(() =>
      diffFiles(fixture('heap-base.pb.gz'), Buffer.from('nope'), { names: ['a.pb.gz', 'b.pb.gz'] }),
    ).toThrow(/^b\.pb\.gz: not a pprof profile: /)
  })
})
