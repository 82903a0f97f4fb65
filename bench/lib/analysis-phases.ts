// Run as its own process by the analysis section (node --import tsx): where
// `memleak diff`'s time goes, phase by phase, straight from src/profile (so it
// measures the current sources even when dist/ is older). The first round is
// cold, as the CLI always is; later rounds show what the JIT makes of it.
//   node --import tsx bench/lib/analysis-phases.ts BASE HEAD [rounds]
import { readFileSync } from 'node:fs'
import { decodeProfile } from '../../src/profile/decode.js'
import { diffFiles, diffProfiles } from '../../src/profile/diff.js'

const [basePath, headPath, roundsArg] = process.argv.slice(2)
const rounds = Number(roundsArg ?? 3)
const baseBytes = readFileSync(basePath!)
const headBytes = readFileSync(headPath!)

interface Round {
  decodeBaseMs: number
  decodeHeadMs: number
  diffMs: number
  /** diffFiles as the CLI calls it, all phases again plus the -top text. */
  wholeMs: number
}

const out: Round[] = []
for (let i = 0; i < rounds; i++) {
  const t0 = performance.now()
  const base = decodeProfile(baseBytes)
  const t1 = performance.now()
  const head = decodeProfile(headBytes)
  const t2 = performance.now()
  diffProfiles(base, head, 'inuse_space')
  const t3 = performance.now()
  diffFiles(baseBytes, headBytes, { limit: 20 })
  const t4 = performance.now()
  out.push({ decodeBaseMs: t1 - t0, decodeHeadMs: t2 - t1, diffMs: t3 - t2, wholeMs: t4 - t3 })
}
const mem = process.memoryUsage()
process.stdout.write(
  JSON.stringify({
    rounds: out,
    heapUsedBytes: mem.heapUsed,
    rssBytes: mem.rss,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
)
