// Builds a fixture service once per bench run, outside any measurement.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURES_DIR } from './repo.js'
import { run } from './proc.js'

export async function buildFixture(name: string, binDir: string): Promise<string> {
  mkdirSync(binDir, { recursive: true })
  const binary = join(binDir, name)
  const r = await run('go', ['build', '-o', binary, `./${name}`], { cwd: FIXTURES_DIR, timeoutMs: 600_000 })
  if (r.code !== 0) throw new Error(`go build ./${name} failed (${r.code}): ${r.stderr.slice(-800)}`)
  return binary
}
