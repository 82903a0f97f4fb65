// The fuzz test: thousands of mutated real profiles (mutate.ts, fixed seed)
// through decodeProfile, the aggregate/diff tables and the pipeline's checked
// decode plus the whole analysis. Nothing may escape but the documented
// ProfileError (SnapshotError on the pipeline's path), and no case may hang:
// the cases run in a child process that is killed when one takes too long.
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { FuzzJob, FuzzMessage, FuzzResult } from './fuzz-worker.js'

const SEED = 0x5eed_7
/** Upper bound of cases; the time box usually ends the run first on a slow machine. */
const CASES = Number(process.env.FUZZ_CASES ?? 8000)
const BUDGET_MS = 15_000
/** One case (a profile of a few KB) taking longer than this is a hang. */
const CASE_LIMIT_MS = 3000
/**
 * An idle two-core machine runs about 4000 cases in the time box; a machine busy
 * with other test runs, a quarter of that. Below this the harness itself is broken.
 */
const MIN_CASES = 1000

function runWorker(job: FuzzJob): Promise<FuzzResult> {
  const child = fork(fileURLToPath(new URL('./fuzz-worker.ts', import.meta.url)), [JSON.stringify(job)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    let current = -1
    let since = Date.now()
    let result: FuzzResult | undefined
    const watchdog = setInterval(() => {
      if (current >= 0 && Date.now() - since > CASE_LIMIT_MS) {
        clearInterval(watchdog)
        child.kill('SIGKILL')
        reject(new Error(`fuzz case ${current} (seed ${SEED}) ran over ${CASE_LIMIT_MS} ms: a hang`))
      }
    }, 100)
    child.on('message', (m: FuzzMessage) => {
      if ('at' in m) {
        current = m.at
        since = Date.now()
      } else result = m.result
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      clearInterval(watchdog)
      if (result) resolve(result)
      else reject(new Error(`fuzz process ended (${signal ?? code}) during case ${current} before reporting`))
    })
  })
}

describe('fuzz: mutated real profiles', () => {
  it(`${MIN_CASES}+ cases: only ProfileError/SnapshotError, no hang`, async () => {
    // Two processes, interleaved cases: both cores, and a fair share of a busy machine.
    const results = await Promise.all(
      [0, 1].map((from) => runWorker({ seed: SEED, from, to: CASES, stride: 2, budgetMs: BUDGET_MS })),
    )
    const total = (key: 'cases' | 'rejected' | 'decoded' | 'analysed'): number =>
      results.reduce((n, r) => n + r[key], 0)
    const report = results
      .flatMap((r) => r.unexpected)
      .map((u) => `case ${u.index} (${u.description}) at ${u.stage}: ${u.error}`)
    expect(report, report.join('\n\n')).toEqual([])
    const cases = total('cases')
    expect(cases).toBeGreaterThanOrEqual(Math.min(MIN_CASES, CASES))
    // The mutations must reach past the framing checks, or the later stages are not being fuzzed.
    expect(total('rejected')).toBeGreaterThan(cases / 10)
    expect(total('decoded')).toBeGreaterThan(cases / 10)
    expect(total('analysed')).toBeGreaterThan(cases / 100)
    const slowest = results.reduce((a, b) => (a.slowestMs >= b.slowestMs ? a : b))
    console.log(
      `fuzz: ${cases} cases, ${total('rejected')} rejected, ${total('decoded')} decoded, ` +
        `${total('analysed')} analysed; slowest: case ${slowest.slowest}, ${slowest.slowestMs.toFixed(0)} ms`,
    )
  }, 30_000)
})
