import { describe, expect, it } from 'vitest'
import type { Analysis, Finding } from '../../src/model/analysis.js'
import { MAX_COMMENT_CHARS, renderMarkdown } from '../../src/report/markdown.js'
import { commentMarker } from '../../src/report/marker.js'
import { parseReport, toJson } from '../../src/report/json.js'
import * as F from './fixtures.js'
import { dangerousTags, postRenderLinks, toHtml, visibleText } from './gfm.js'

/** Every table in the HTML has the same number of cells in each row. */
function tablesIntact(html: string): boolean {
  for (const table of html.match(/<table>[\s\S]*?<\/table>/g) ?? []) {
    const rows = table.match(/<tr>[\s\S]*?<\/tr>/g) ?? []
    const widths = new Set(rows.map((r) => (r.match(/<t[hd][ >]/g) ?? []).length))
    if (widths.size !== 1) return false
  }
  return true
}

function fences(md: string): number {
  return md.split('\n').filter((l) => /^`{3,}/.test(l)).length
}

/** A report far over GitHub's limit: many findings with long stacks, many allocators. */
function hugeAnalysis(): Analysis {
  const a = F.regressionAnalysis()
  const finding = (i: number): Finding => ({
    ...F.heapLeakFinding(),
    site: F.site(
      `github.com/acme/shop/internal/cache${i}.(*Store).remember${'Long'.repeat(20)}`,
      `${F.WORKSPACE}/internal/cache${i}/store.go`,
      100 + i,
      Array.from(
        { length: 32 },
        (_, j) =>
          `github.com/acme/shop/internal/layer${j}.(*Handler).serve${'X'.repeat(40)} ${F.WORKSPACE}/internal/layer${j}/handler.go:${j + 1}`,
      ),
    ),
    summary: `Finding ${i}: ` + 'live heap grows with every request and is never released. '.repeat(6),
  })
  const growing = Array.from({ length: 200 }, (_, i) =>
    F.change(
      F.site(
        `github.com/acme/shop/internal/pkg${i}.(*Encoder).encode${'Field'.repeat(10)}`,
        `${F.WORKSPACE}/internal/pkg${i}/encode.go`,
        i + 1,
      ),
      100 + i,
      300 + i,
    ),
  )
  return {
    ...a,
    verdict: { leak: true, newLeak: true, regression: true },
    findings: Array.from({ length: 40 }, (_, i) => finding(i)),
    growing,
    improved: growing.slice(0, 50).map((g) => ({ ...g, change: -0.5 })),
    notes: Array.from(
      { length: 10 },
      (_, i) => `Note ${i}: ` + 'something the reader should know. '.repeat(5),
    ),
  }
}

describe('renderMarkdown', () => {
  it('starts with the marker of its comment id', () => {
    const md = renderMarkdown(F.report(F.cleanAnalysis(), [], { commentId: 'svc-a' }))
    expect(md.split('\n')[0]).toBe(commentMarker('svc-a'))
    expect(md.split('\n')[0]).toBe('<!-- memleak-action:svc-a -->')
  })

  it('a 70,000+ character report is cut under the cap with a note, tables and code blocks whole', () => {
    const r = F.report(hugeAnalysis(), ['new leak on head'])
    const full = renderMarkdown(r, { maxChars: 10_000_000 })
    expect(full.length).toBeGreaterThan(70_000)
    const md = renderMarkdown(r)
    expect(md.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS)
    expect(md).toMatch(/Shortened to fit GitHub's size limit\. Left out: stacks/)
    expect(fences(md) % 2).toBe(0)
    const html = toHtml(md)
    expect(tablesIntact(html)).toBe(true)
    expect(html).toContain('<table>')
    expect(html.match(/<details>/g)?.length ?? 0).toBe(html.match(/<\/details>/g)?.length ?? 0)
    // The answer survives: headline, summary table, the first finding.
    expect(md).toContain('### ❌ New heap leak')
    expect(md).toContain('#### Base vs head')
    expect(md).toContain('remember')
    expect(md.trimEnd().endsWith('</sub>')).toBe(true)
  })

  it('drops detail in order: a slightly long report loses only its stacks', () => {
    const r = F.report(hugeAnalysis(), [])
    const full = renderMarkdown(r, { maxChars: 10_000_000 })
    const noStacks = full.replace(/<details><summary>Stack of[\s\S]*?<\/details>\n\n/g, '')
    const md = renderMarkdown(r, { maxChars: noStacks.length + 400 })
    expect(md).toMatch(/Left out: stacks\./)
    expect(md).not.toContain('Stack of')
    expect(md).toMatch(/Improvements \(|allocates? less, not significantly/)
    expect(md).toContain('```mermaid')
  })

  it('a tiny cap still yields whole blocks only', () => {
    const md = renderMarkdown(F.report(hugeAnalysis(), []), { maxChars: 3000 })
    expect(md.length).toBeLessThanOrEqual(3000)
    expect(md.startsWith('<!-- memleak-action:')).toBe(true)
    expect(fences(md) % 2).toBe(0)
    expect(tablesIntact(toHtml(md))).toBe(true)
  })

  it('respects a byte cap (job summary) as well as a character cap', () => {
    const r = F.report(hugeAnalysis(), [])
    const md = renderMarkdown(r, { maxChars: 1_000_000, maxBytes: 50_000 })
    expect(new TextEncoder().encode(md).length).toBeLessThanOrEqual(50_000)
  })

  it('escapes hostile names everywhere they appear', () => {
    const evil =
      '@org/team <img src=x onerror=alert(1)> ](javascript:alert(1)) `x` | <!-- memleak-action:other --> **b** https://evil.example #1'
    const f: Finding = {
      ...F.heapLeakFinding(),
      site: {
        key: evil,
        function: evil,
        ownFrame: { function: evil, file: `${F.WORKSPACE}/${evil}.go`, line: 3 },
        stack: [evil, evil],
      },
      summary: evil,
      hint: evil,
      details: { [evil]: evil, log: `${evil}\n${evil}\n\`\`\`\n</details>` },
    }
    const a: Analysis = {
      ...F.heapLeakAnalysis(),
      findings: [f],
      growing: [F.change({ ...f.site }, 10, 20)],
      improved: [F.change({ ...f.site }, 20, 10)],
      notes: [evil],
    }
    a.head.heapSeries = a.head.heapSeries.map((p) => ({ ...p, label: `${evil}"]` }))
    const r = F.report(a, [evil], {
      requests: [evil],
      package: evil,
      goVersion: evil,
      commentId: evil,
      serverUrl: 'javascript:alert(1)//',
    })
    const md = renderMarkdown(r)
    // Only our marker, only on the first line: elsewhere the text is shown, not parsed.
    expect(md.indexOf('<!-- memleak-action')).toBe(0)
    const html = toHtml(md)
    expect(html.match(/<!--/g)).toHaveLength(1)
    expect(html.startsWith('<!-- memleak-action:')).toBe(true)
    const body = html.slice(html.indexOf('-->') + 3)
    expect(body).not.toMatch(/<img\b|<script\b|href="javascript|<[a-z]+[^>]*\son\w+=/i)
    expect(body).not.toMatch(/href="(?!https:\/\/)/)
    // Structure is ours: the details we open are the details we close; tables whole.
    expect(html.match(/<details>/g)?.length).toBe(html.match(/<\/details>/g)?.length)
    expect(tablesIntact(html)).toBe(true)
    // No code block swallowed what follows it: the later sections are still real HTML.
    expect(html).toContain('<summary>Reproduce locally</summary>')
    expect(html.trimEnd()).toMatch(/<p><sub>[^]*<\/sub><\/p>$/)
    expect(dangerousTags(html).filter((t) => /<(img|script|iframe|blockquote)/.test(t))).toEqual([])
    expect(html.match(/<h\d>/g)).toEqual(['<h3>', '<h4>', '<h4>', '<h4>', '<h4>', '<h4>'])
    // No mention, issue reference or autolink an attacker wrote survives.
    expect(postRenderLinks(html).filter((l) => !l.startsWith('https://github.com/acme/shop'))).toEqual([])
    // The reader still sees the name as written.
    expect(visibleText(html)).toContain('@org/team <img src=x onerror=alert(1)>')
    // The mermaid block holds no attacker text.
    const mermaid = md.match(/```mermaid\n([\s\S]*?)```/)![1]
    expect(mermaid).not.toContain('evil')
    expect(mermaid).not.toContain('@org')
  })

  it("'Reproduce locally' repeats the rate, the sampling rate and asks for the headers without their values", () => {
    const r = F.report(F.heapLeakAnalysis(), [], {
      rate: 200,
      memProfileRate: 4096,
      headerNames: ['Authorization', 'X-Tenant'],
    })
    const block = renderMarkdown(r).match(/```sh\n([\s\S]*?)```/)![1]
    expect(block).toMatch(/ --rate 200 /)
    expect(block).toMatch(/ --memprofilerate 4096\b/)
    expect(block).toContain('# the load also sent Authorization, X-Tenant: add --headers')
    const fromFile = renderMarkdown(F.report(F.heapLeakAnalysis(), [], { requestsFile: 'load/api.http' }))
    expect(fromFile).toMatch(/ --requests-file load\/api\.http /)
    expect(fromFile).not.toMatch(/ --requests /)
    const defaults = renderMarkdown(F.report(F.heapLeakAnalysis(), [], { memProfileRate: 65536 }))
    const plain = defaults.match(/```sh\n([\s\S]*?)```/)![1]
    expect(plain).not.toMatch(/--rate|--memprofilerate|--headers|--requests-file/)
  })

  it('strong/emphasis only where the report puts it', () => {
    const evil = '**not bold** _not em_'
    const a = F.heapLeakAnalysis()
    a.findings[0].summary = evil
    a.findings[0].hint = evil
    const html = toHtml(renderMarkdown(F.report(a, [])))
    expect(html).not.toContain('<strong>not bold</strong>')
    expect(html).not.toContain('<em>not em</em>')
    expect(visibleText(html)).toContain('**not bold** _not em_')
  })

  it('links locations to the PR head only for repository files', () => {
    const md = renderMarkdown(F.report(F.regressionAnalysis(), []))
    expect(md).toContain(
      '[`internal/render/verbose.go:88`](https://github.com/acme/shop/blob/f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d/internal/render/verbose.go#L88)',
    )
    expect(md).toContain('| `strings/builder.go:68` |')
  })

  it('without a base: head only, no allocator comparison', () => {
    const a = F.heapLeakAnalysis()
    const md = renderMarkdown(
      F.report({ ...a, base: undefined, growing: [], improved: [] }, [], { baseSha: undefined }),
    )
    expect(md).toContain('#### Head')
    expect(md).not.toContain('Top growing allocators')
    expect(md).toContain('only (no base to compare)')
    expect(md).not.toContain('--base-ref')
    expect(md).not.toContain('#### Top allocators')
  })

  it('says the run was cut short in the context line too, not only in the headline', () => {
    const a = F.cleanAnalysis()
    a.untrustworthy = ['timeout after 15m: head measured for 8 s of 20 s; results are partial']
    const md = renderMarkdown(F.report(a, []))
    expect(md).toContain('⚠️ No verdict: the run was cut short (timeout after 15m; see the notes)')
    expect(md).toMatch(/ requests in [^\n]+ per side \(cut short\)\n/)
  })

  it('names the working tree as head when there is no head commit (the CLI on a checkout)', () => {
    const md = renderMarkdown(F.report(F.cleanAnalysis(), [], { headSha: undefined }))
    expect(md).toMatch(/ · base `[0-9a-f]{7}` → head \(working tree\) · /)
  })

  it('without a base: the top allocators of head, and they survive the JSON round trip', () => {
    const growing = F.regressionAnalysis().growing
    const topAllocators = growing.map((c) => ({ site: c.site, head: c.head, change: 0, significant: false }))
    const r = F.report({ ...F.cleanAnalysis(), base: undefined, topAllocators }, [], { baseSha: undefined })
    const md = renderMarkdown(parseReport(toJson(r)))
    expect(md).toContain('#### Top allocators')
    expect(md).toContain('| `render.renderVerbose` |')
    expect(md).toContain('| 2.82 KiB | 28.9 |')
    expect(md).not.toContain('significan')
  })

  it('links the artifact when given, and only an http(s) one', () => {
    const r = F.report(F.cleanAnalysis(), [])
    expect(
      renderMarkdown(r, { artifactUrl: 'https://github.com/acme/shop/actions/runs/1/artifacts/2' }),
    ).toContain('[the artifact of this run](https://github.com/acme/shop/actions/runs/1/artifacts/2)')
    expect(renderMarkdown(r, { artifactUrl: 'javascript:alert(1)' })).not.toContain('javascript')
  })

  it('shell-quotes the reproduction command', () => {
    const r = F.report(F.cleanAnalysis(), [], {
      requests: ['POST /x {"a":"it\'s $(rm -rf ~)"}'],
      workingDirectory: 'services/api',
    })
    const md = renderMarkdown(r)
    expect(md).toContain(`--working-directory services/api`)
    expect(md).toContain(`--requests 'POST /x {"a":"it'\\''s $(rm -rf ~)"}'`)
  })

  it('names the default package by its module, never as a lone `.`', () => {
    const md = renderMarkdown(F.report(F.cleanAnalysis(), [], { package: '.' }))
    expect(md).toMatch(/\n`github\.com\/acme\/shop` · base `/)
    expect(md).not.toContain('`.`')
    const bare = renderMarkdown(F.report(F.cleanAnalysis(), [], { package: '.', modulePath: '' }))
    expect(bare).toMatch(/\nbase `[0-9a-f]{7}` → head /)
    expect(bare).not.toContain('`.`')
  })

  it('says each fail-on word once: what matched, then what did not', () => {
    const a = F.heapLeakAnalysis()
    const one = renderMarkdown(F.report(a, ['new leak'], { failOn: ['new-leak', 'regression'] }))
    expect(one).toContain('**Check fails**: fail-on `new-leak` matched; `regression` did not\n')
    expect(one.match(/`new-leak`/g)).toHaveLength(1)
    const both = { ...a, verdict: { ...a.verdict, regression: true } }
    const md = renderMarkdown(
      F.report(both, ['new leak', 'regression'], { failOn: ['new-leak', 'regression'] }),
    )
    expect(md).toContain('**Check fails**: fail-on `new-leak`, `regression` matched\n')
  })

  it("gives a leak's rate, growth and series once, in its bullets", () => {
    const md = renderMarkdown(F.report(F.heapLeakAnalysis(), ['new leak']))
    const finding = md.slice(md.indexOf('#### Leak findings'), md.indexOf('<details><summary>Stack'))
    expect(finding.match(/412 B/g)).toHaveLength(1)
    expect(finding.match(/15\.8 MiB/g)).toHaveLength(2) // the evidence's end and its value after the load
    expect(finding).not.toContain('fitted')
  })

  it('shows the chart, and the numbers as a line only where the chart is dropped', () => {
    const md = renderMarkdown(F.report(F.heapLeakAnalysis(), []))
    expect(md).toContain('```mermaid')
    expect(md).not.toContain('Live heap (MiB) at')
    // Shrink the cap until the chart is the detail dropped (after stacks and improvements).
    const full = md.length
    const caps = Array.from({ length: 60 }, (_, i) => full - 50 * (i + 1))
    const dropped = caps
      .map((cap) => renderMarkdown(F.report(F.heapLeakAnalysis(), []), { maxChars: cap }))
      .find((text) => !text.includes('```mermaid') && text.includes('#### Live heap over the run'))
    expect(dropped, 'no cap drops the chart but keeps its section').toBeDefined()
    expect(dropped).toContain('Live heap (MiB) at S0')
  })
})
