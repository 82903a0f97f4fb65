// One comment for a matrix of services, from the three real reports in
// test/fixtures/reports (a leak, a regression, a clean service).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  combinedVerdict,
  renderAggregate,
  serviceNames,
  verdictWords,
} from '../../src/report/multi-service.js'
import { commentMarker } from '../../src/report/marker.js'
import { parseReport } from '../../src/report/json.js'
import type { Report } from '../../src/model/report.js'
import { toHtml, visibleText } from '../report/gfm.js'
import * as F from '../report/fixtures.js'

const REPORTS = resolve(import.meta.dirname, '../fixtures/reports')
const load = (name: string): Report => parseReport(readFileSync(`${REPORTS}/${name}.json`, 'utf8'))
const MARKER = commentMarker('memleak:aggregate')
const GOLDEN = join(import.meta.dirname, 'golden', 'aggregate-skeleton.md')

/**
 * What this module adds around the services' own reports (headline, table,
 * folded sections' titles, footer), as a golden reviewed by eye. The folded
 * reports are the report stage's and have its goldens. After an intended
 * change: UPDATE_GOLDEN=1 npx vitest run test/modes, then read the diff.
 */
function skeleton(text: string): string {
  const lines = text.split('\n')
  const out: string[] = []
  let depth = 0
  for (const line of lines) {
    if (depth === 0) out.push(line)
    if (line.startsWith('<details>')) depth++
    if (line === '</details>') {
      depth--
      if (depth === 0) out.push('…', line)
    }
  }
  return out.join('\n')
}

function three(): Report[] {
  return ['gateway-clean', 'api-leak', 'worker-regression'].map(load)
}
const services = (reports: Report[]) => {
  const names = serviceNames(reports)
  return reports.map((report, i) => ({ name: names[i], report }))
}

describe('renderAggregate', () => {
  it('one table row per service, worst first, each full report folded under it', () => {
    const text = renderAggregate(services(three()), {
      marker: MARKER,
      artifactUrl: 'https://github.com/octo/service/actions/runs/9',
    })
    expect(text.startsWith(`${MARKER}\n### ❌ 2 of 3 services fail the memleak check\n`)).toBe(true)
    const rows = text.split('\n').filter((l) => l.startsWith('| `services/'))
    expect(rows).toHaveLength(3)
    expect(rows[0]).toMatch(
      /^\| `services\/api` \| ❌ new heap leak, ⚠️ allocation regression \|.*\| \*\*fails\*\* \|$/,
    )
    expect(rows[1]).toMatch(/^\| `services\/worker` \| ⚠️ allocation regression \|.*\| \*\*fails\*\* \|$/)
    expect(rows[2]).toMatch(/^\| `services\/gateway` \| ✅ clean \|.*\| passes \|$/)
    expect(text.match(/<details><summary>services\/\w+: /g)).toHaveLength(3)
    // The folded reports keep their content but not their own markers: one sticky marker.
    expect(text.match(/<!-- memleak-action:/g)).toHaveLength(1)
    expect(text).toContain('rememberResponse')
    expect(text).toContain("[the run's artifacts](https://github.com/octo/service/actions/runs/9)")
    // Renders as three folded sections and one table.
    const html = toHtml(text)
    expect(html.match(/<details>/g)?.length).toBeGreaterThanOrEqual(3)
    expect(html.match(/<table>/g)?.length).toBeGreaterThanOrEqual(1)
    expect(text.length).toBeLessThanOrEqual(65_536)

    const shape = `<!-- prettier-ignore-start -->\n${skeleton(text)}<!-- prettier-ignore-end -->\n`
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN)) {
      mkdirSync(join(GOLDEN, '..'), { recursive: true })
      writeFileSync(GOLDEN, shape)
    }
    expect(shape, 'aggregate-skeleton.md differs; UPDATE_GOLDEN=1 rewrites it').toBe(
      readFileSync(GOLDEN, 'utf8'),
    )
  })

  it('all clean: a green headline', () => {
    const clean = load('gateway-clean')
    const text = renderAggregate(
      services([clean, { ...clean, meta: { ...clean.meta, package: './cmd/b' } }]),
      {
        marker: MARKER,
      },
    )
    expect(text).toContain('### ✅ 2 services: no leak, no allocation regression')
  })

  it('stays within 65,536 characters by trimming and then dropping folded reports, never the table', () => {
    const big = F.regressionAnalysis()
    big.growing = Array.from({ length: 400 }, (_, i) =>
      F.change(
        F.site(`github.com/acme/shop/p${i}.${'Long'.repeat(40)}`, `${F.WORKSPACE}/p${i}.go`, i + 1),
        100,
        200,
      ),
    )
    const reports = Array.from({ length: 12 }, (_, i) =>
      F.report(big, ['allocation regression'], { package: `./cmd/svc${i}`, commentId: `c${i}` }),
    )
    const text = renderAggregate(services(reports), { marker: MARKER })
    expect(text.length).toBeLessThanOrEqual(65_536)
    expect(text.split('\n').filter((l) => l.startsWith('| `cmd/svc'))).toHaveLength(12)
    expect(text).toMatch(/Shortened to fit|✂️/)
    // Whatever was kept is whole: every <details> opened is closed.
    expect(text.match(/<details>/g)?.length).toBe(text.match(/<\/details>/g)?.length)
    // A tighter cap (the job summary's bytes) is met too.
    const small = renderAggregate(services(reports), { marker: MARKER, maxChars: 20_000, maxBytes: 20_000 })
    expect(new TextEncoder().encode(small).length).toBeLessThanOrEqual(20_000)
    expect(small.split('\n').filter((l) => l.startsWith('| `cmd/svc'))).toHaveLength(12)
  })

  it('hostile package names render as text: no mention, tag, link or broken table', () => {
    const r = F.report(F.cleanAnalysis(), [], { package: './@org/team<img src=x>](javascript:alert(1))`|x' })
    const text = renderAggregate(services([r]), { marker: MARKER })
    const html = toHtml(text)
    expect(html).not.toMatch(/<img|href="javascript/i)
    const table = /<table>[\s\S]*?<\/table>/.exec(html)![0]
    expect(table.match(/<tr>/g)).toHaveLength(2)
    expect(table.match(/<td\b/g)).toHaveLength(5)
    expect(visibleText(html)).toContain('@org/team<img src=x>](javascript:alert(1))`|x')
  })
})

describe('serviceNames and verdicts', () => {
  it('names a service by its package path, disambiguated by the comment id', () => {
    const a = F.report(F.cleanAnalysis(), [], {
      workingDirectory: 'services/api',
      package: './cmd/api',
      commentId: 'a',
    })
    const b = F.report(F.cleanAnalysis(), [], {
      workingDirectory: 'services/api',
      package: './cmd/api',
      commentId: 'b',
    })
    // The module at the repository's root is named by its module path, not a lone `.`.
    const c = F.report(F.cleanAnalysis(), [], { workingDirectory: '.', package: '.' })
    expect(serviceNames([a, b, c])).toEqual([
      'services/api/cmd/api (a)',
      'services/api/cmd/api (b)',
      'github.com/acme/shop',
    ])
  })

  it('says what each service has, and combines them', () => {
    const reports = three()
    expect(reports.map(verdictWords)).toEqual([
      '✅ clean',
      '❌ new heap leak, ⚠️ allocation regression',
      '⚠️ allocation regression',
    ])
    expect(verdictWords(F.report(F.preExistingAnalysis()))).toMatch(/^ℹ️ pre-existing/)
    expect(combinedVerdict(reports)).toEqual({ leak: true, newLeak: true, regression: true })
    expect(combinedVerdict([reports[0]])).toEqual({ leak: false, newLeak: false, regression: false })
  })
})
