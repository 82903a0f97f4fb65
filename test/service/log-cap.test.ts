import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { capLog } from '../../src/service/log-cap.js'

const dir = mkdtempSync(join(tmpdir(), 'memleak-logcap-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('capLog', () => {
  it('keeps a log under the cap whole', () => {
    const path = join(dir, 'small.log')
    writeFileSync(path, 'started\nserving\n')
    expect(capLog(path, 1024)).toBe(0)
    expect(readFileSync(path, 'utf8')).toBe('started\nserving\n')
  })

  it('keeps the head and the tail of a long log in whole lines, saying what was cut', () => {
    const path = join(dir, 'access.log')
    const lines = [
      'listening on :8080',
      ...Array.from({ length: 5000 }, (_, i) => `GET /time 200 #${i}`),
      'panic: boom',
    ]
    writeFileSync(path, lines.join('\n') + '\n')
    const size = statSync(path).size
    const cut = capLog(path, 4096)
    const text = readFileSync(path, 'utf8')
    expect(cut).toBeGreaterThan(size - 4096)
    expect(statSync(path).size).toBeLessThan(4096 + 200)
    expect(text.startsWith('listening on :8080\nGET /time 200 #0\n')).toBe(true)
    expect(text.endsWith('GET /time 200 #4999\npanic: boom\n')).toBe(true)
    expect(text).toContain(`[memleak-action: ${cut} bytes cut from the middle of this ${size}-byte log;`)
    for (const line of text.split('\n'))
      expect(line).toMatch(/^(|listening on :8080|GET \/time 200 #\d+|panic: boom|\[memleak-action: .*\])$/)
  })

  it('a missing log is nothing to cap', () => {
    expect(capLog(join(dir, 'none.log'))).toBe(0)
  })
})
