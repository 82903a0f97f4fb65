import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { annotationsFor } from '../../src/github/annotations.js'
import {
  MAX_SUMMARY_BYTES,
  emitAnnotations,
  outputsFor,
  setOutputs,
  writeJobSummary,
} from '../../src/github/job-summary.js'
import * as F from '../report/fixtures.js'

const dirs: string[] = []
function tempFile(content?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-summary-'))
  dirs.push(dir)
  const path = join(dir, 'step_summary')
  if (content !== undefined) writeFileSync(path, content)
  return path
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('writeJobSummary', () => {
  it('appends the rendered report to the step summary file', async () => {
    const path = tempFile('earlier step output\n')
    const result = await writeJobSummary(F.report(F.heapLeakAnalysis()), {
      path,
      artifactUrl: 'https://github.com/a/b/actions/runs/1/artifacts/2',
    })
    expect(result.written).toBe(true)
    const text = readFileSync(path, 'utf8')
    expect(text.startsWith('earlier step output\n\n<!-- memleak-action:')).toBe(true)
    expect(text).toContain('### ❌ New heap leak')
    expect(text).toContain('(https://github.com/a/b/actions/runs/1/artifacts/2)')
    expect(result.bytes).toBe(Buffer.byteLength(text) - Buffer.byteLength('earlier step output\n'))
  })

  it('stays under 1 MiB counting what is already there', async () => {
    const path = tempFile('x'.repeat(MAX_SUMMARY_BYTES - 5_000))
    const a = F.regressionAnalysis()
    a.growing = Array.from({ length: 500 }, (_, i) =>
      F.change(
        F.site(`github.com/acme/shop/p${i}.${'Very'.repeat(30)}Long`, `${F.WORKSPACE}/p${i}.go`, i + 1),
        100,
        200,
      ),
    )
    const result = await writeJobSummary(F.report(a), { path })
    expect(result.written).toBe(true)
    expect(readFileSync(path).length).toBeLessThanOrEqual(MAX_SUMMARY_BYTES)
    expect(readFileSync(path, 'utf8')).toContain("Shortened to fit GitHub's size limit")
  })

  it('does nothing outside a runner', async () => {
    const saved = process.env.GITHUB_STEP_SUMMARY
    delete process.env.GITHUB_STEP_SUMMARY
    try {
      expect(await writeJobSummary(F.report(F.cleanAnalysis()))).toEqual({ written: false, bytes: 0 })
    } finally {
      if (saved !== undefined) process.env.GITHUB_STEP_SUMMARY = saved
    }
  })
})

describe('outputs', () => {
  it('are the verdict as strings plus the report path', () => {
    const set: [string, string][] = []
    setOutputs(
      outputsFor(F.heapLeakAnalysis().verdict, '/tmp/report.json', {
        commentUrl: 'https://github.com/x#issuecomment-1',
        artifactDir: '/tmp/out',
      }),
      (n, v) => set.push([n, v]),
    )
    expect(set).toEqual([
      ['leak', 'true'],
      ['new-leak', 'true'],
      ['regression', 'false'],
      ['report', '/tmp/report.json'],
      ['comment-url', 'https://github.com/x#issuecomment-1'],
      ['artifact-dir', '/tmp/out'],
    ])
  })
})

describe('emitAnnotations', () => {
  it('sends each annotation at its level with file, line and title', () => {
    const calls: unknown[][] = []
    const sink = {
      error: (...a: unknown[]) => calls.push(['error', ...a]),
      warning: (...a: unknown[]) => calls.push(['warning', ...a]),
      notice: (...a: unknown[]) => calls.push(['notice', ...a]),
    }
    emitAnnotations(
      annotationsFor(F.goroutineLeakAnalysis(), {
        workspace: F.WORKSPACE,
        workingDirectory: '.',
        modulePath: F.MODULE,
      }),
      sink,
    )
    expect(
      calls.map((c) => [c[0], (c[2] as { file: string }).file, (c[2] as { startLine: number }).startLine]),
    ).toEqual([
      ['error', 'cmd/api/worker.go', 57],
      ['warning', 'cmd/api/rates.go', 19],
    ])
  })
})
