// The product's face: each hand-built report rendered and compared with a
// committed .md file. After an intended change: UPDATE_GOLDEN=1 npx vitest run test/report
// then read the diff of test/report/golden/ before committing it.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { renderMarkdown } from '../../src/report/markdown.js'
import { failuresFor } from '../../src/report/verdict.js'
import type { Analysis } from '../../src/model/analysis.js'
import * as F from './fixtures.js'
import { toHtml } from './gfm.js'

const GOLDEN_DIR = join(import.meta.dirname, 'golden')
const UPDATE = process.env.UPDATE_GOLDEN === '1'

// CI runs `prettier --check .`, which would reformat a golden's tables: the
// ignore-range comments keep each file byte-for-byte what the renderer wrote.
const IGNORE_START = '<!-- prettier-ignore-start -->\n'
const IGNORE_END = '<!-- prettier-ignore-end -->\n'

function expectGolden(name: string, text: string): void {
  const path = join(GOLDEN_DIR, `${name}.md`)
  if (UPDATE || !existsSync(path)) {
    mkdirSync(GOLDEN_DIR, { recursive: true })
    writeFileSync(path, IGNORE_START + text + IGNORE_END)
    if (!UPDATE) throw new Error(`${path} did not exist: written now, check it and commit it`)
    return
  }
  const golden = readFileSync(path, 'utf8')
  expect(
    golden.startsWith(IGNORE_START) && golden.endsWith(IGNORE_END),
    `${name}.md lost its prettier-ignore range`,
  ).toBe(true)
  expect(text, `${name}.md differs; UPDATE_GOLDEN=1 rewrites it`).toBe(
    golden.slice(IGNORE_START.length, -IGNORE_END.length),
  )
}

function reportFor(analysis: Analysis, metaOver: Parameters<typeof F.report>[2] = {}) {
  const failOn = metaOver.failOn ?? ['new-leak', 'regression']
  return F.report(analysis, failuresFor(analysis.verdict, failOn, analysis), metaOver)
}

const CASES: [string, () => ReturnType<typeof reportFor>, string?][] = [
  ['clean', () => reportFor(F.cleanAnalysis())],
  [
    'new-heap-leak',
    () => reportFor(F.heapLeakAnalysis()),
    'https://github.com/acme/shop/actions/runs/99/artifacts/7',
  ],
  ['regression', () => reportFor(F.regressionAnalysis())],
  ['stopped-early', () => reportFor(F.heapLeakAnalysis(), F.stoppedEarlyMeta())],
  ['goroutine-leak', () => reportFor(F.goroutineLeakAnalysis())],
  ['pre-existing-leak', () => reportFor(F.preExistingAnalysis())],
  ['fixes-base-leak', () => reportFor(F.fixesLeakAnalysis())],
  [
    'push-head-only',
    () => {
      const a = F.heapLeakAnalysis()
      return reportFor(
        {
          ...a,
          base: undefined,
          growing: [],
          improved: [],
          topAllocators: F.regressionAnalysis().growing.map((c) => ({
            site: c.site,
            head: c.head,
            change: 0,
            significant: false,
          })),
          findings: a.findings.map((f) => ({ ...f, status: 'unknown', baseRate: undefined })),
        },
        { baseSha: undefined, pullRequest: undefined, failOn: ['leak'] },
      )
    },
  ],
]

describe('golden reports', () => {
  for (const [name, build, artifactUrl] of CASES) {
    it(name, () => {
      const md = renderMarkdown(build(), { artifactUrl })
      expectGolden(name, md)
      // Whatever the golden says, these hold for every report.
      expect(md.startsWith('<!-- memleak-action:')).toBe(true)
      const html = toHtml(md)
      expect(html.match(/<details>/g)?.length ?? 0).toBe(html.match(/<\/details>/g)?.length ?? 0)
      expect(md.split('\n').filter((l) => /^`{3,}/.test(l)).length % 2).toBe(0)
    })
  }
})
