import { describe, expect, it } from 'vitest'
import { snapshotDueMs } from '../../src/analysis/spending.js'
import type { RawSnapshot } from '../../src/model/sides.js'
import { comparisonWindows, stopRuleFor } from '../../src/run/stop-rule.js'

const RATE = 65536
const options = {
  alpha: 0.05,
  minLeak: 32,
  regressionThreshold: 0.1,
  maxDurationMs: 60_000,
  memProfileRate: RATE,
}

/** heap?debug=1 as runtime/pprof writes it: records of sampled 64-byte objects, unscaled. */
function heapText(inuseBytes: number, allocBytes: number): string {
  const sampled = (bytes: number) => Math.round(bytes / RATE) // ~one sample per RATE bytes
  const [i, a] = [sampled(inuseBytes), sampled(allocBytes)]
  return `heap profile: ${i}: ${i * 64} [${a}: ${a * 64}] @ heap/${2 * RATE}\n${i}: ${i * 64} [${a}: ${a * 64}] @ 0x1 0x2\n#\t0x1\tmain.handler+0x10\tmain.go:10\n\n# runtime.MemStats\n# HeapAlloc = ${inuseBytes}\n`
}

/** Snapshots on the schedule at 20k req/s: 3 KiB allocated a request, `leak` of it kept. */
function raw(count: number, leak: number, withText = true): RawSnapshot[] {
  const out: RawSnapshot[] = []
  let alloc = 0
  for (let i = 0; i < count; i++) {
    const t = snapshotDueMs(i, options.maxDurationMs)
    const requests = Math.round(20 * t)
    // Each window's bytes per request within 2% of 3 KiB.
    if (i > 0) alloc += (requests - out[i - 1]!.requests) * 3072 * (1 + 0.02 * Math.sin(i * 2.3))
    out.push({
      label: `S${i}`,
      elapsedMs: t,
      requests,
      errors: 0,
      heap: new Uint8Array(),
      ...(withText ? { heapText: heapText(4e6 + leak * requests, 1e6 + alloc) } : {}),
      process: { rssBytes: 30e6, openFds: 10 },
    })
  }
  return out
}

/** Runs the rule as capture does: a snapshot, the rule, the next one, until it says stop. */
function runRule(series: RawSnapshot[], rule: ReturnType<typeof stopRuleFor>) {
  for (let n = 1; n <= series.length; n++) {
    const call = rule(series.slice(0, n))
    if (call.action === 'stop') return { call, snapshots: n }
    expect(call.nextDueMs).toBe(snapshotDueMs(n, options.maxDurationMs))
  }
  throw new Error('never stopped')
}

describe('stopRuleFor: the stopping rule on raw snapshots', () => {
  it('a 1 KiB/request leak in the heap text stops head as certain, with alpha left for the trend', () => {
    const { call, snapshots } = runRule(raw(16, 1024), stopRuleFor('head', options))
    expect(call).toMatchObject({ action: 'stop', reason: 'leak-certain' })
    expect(snapshots).toBeLessThanOrEqual(8)
    if (call.action === 'stop') expect(call.trendAlpha).toBeGreaterThan(0.04)
  })

  it('a flat heap stops base clean once the floor and the comparison are reached', () => {
    const { call, snapshots } = runRule(raw(16, 0), stopRuleFor('base', options))
    expect(call).toMatchObject({ action: 'stop', reason: 'floor-reached' })
    expect(call.why).toMatch(/^floor [\d.]+ B\/req reached$/)
    expect(snapshots).toBeLessThan(16)
  })

  it("head plans its comparison on base's windows", () => {
    const base = raw(9, 0)
    const windows = comparisonWindows(base)!
    expect(windows).toHaveLength(8)
    for (const w of windows) expect(w).toBeGreaterThan(2800)
    const { call } = runRule(raw(16, 0), stopRuleFor('head', options, windows))
    expect(call).toMatchObject({ action: 'stop', reason: 'floor-reached' })
  })

  it('without heap text nothing is looked at: the whole schedule, and all of alpha', () => {
    const series = raw(16, 1024, false)
    const { call, snapshots } = runRule(series, stopRuleFor('head', options))
    expect(snapshots).toBe(16)
    expect(call).toEqual({
      action: 'stop',
      reason: 'max-duration',
      why: 'no heap?debug=1 to decide on, measured to the end',
      trendAlpha: 0.05,
    })
    expect(comparisonWindows(series)).toBeUndefined()
  })
})
