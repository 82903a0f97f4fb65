import { describe, expect, it } from 'vitest'
import { parseReport, ReportValidationError, toJson } from '../../src/report/json.js'
import { renderMarkdown } from '../../src/report/markdown.js'
import { measuredLengths, sideStopText, timingLine } from '../../src/report/timing.js'
import * as F from './fixtures.js'
import { dangerousTags, postRenderLinks, toHtml, visibleText } from './gfm.js'

describe('what the run cost', () => {
  it('names every phase and why each side stopped', () => {
    const meta = F.meta(F.stoppedEarlyMeta())
    expect(timingLine(meta)).toBe(
      '⏱ 31.9 s to the verdict: builds 2.21 s · base 122 ms start + 5 s warmup + 12.9 s measured + 291 ms settle (stopped at 12.9 s: floor 2.6 B/req reached) · head 108 ms start + 5 s warmup + 5.64 s measured + 330 ms settle (stopped at 5.64 s: leak certain (live heap +1022 B/req)) · analysis 206 ms',
    )
    expect(sideStopText(meta.timing!.sides[0]!)).toBe('base stopped at 12.9 s: floor 2.6 B/req reached')
    expect(measuredLengths(meta)).toBe('12.9 s / 5.64 s')
  })

  it('the fixed schedule says what was measured, and no lengths in the headline', () => {
    const timing = F.stoppedEarlyMeta().timing!
    const sides = timing.sides.map(({ stop: _, ...s }) => ({ ...s, measuredMs: 60_000 }))
    const meta = F.meta({ timing: { ...timing, sides } })
    expect(sideStopText(meta.timing!.sides[1]!)).toBe('head measured 60 s')
    expect(measuredLengths(meta)).toBeUndefined()
    expect(renderMarkdown(F.report(F.cleanAnalysis(), [], { timing: { ...timing, sides } }))).toMatch(
      /in 60 s per side/,
    )
  })

  it('a report without timing (an older run) renders without the line', () => {
    const md = renderMarkdown(F.report(F.cleanAnalysis()))
    expect(md).not.toMatch(/⏱/)
  })

  it("a hostile run's words for why it stopped reach the comment inert, after the JSON round trip", () => {
    const hostile =
      '<img src=x onerror=alert(1)> [click](https://evil.example) @octocat ![x](https://evil.example/p.png)'
    const report = F.report(F.cleanAnalysis(), [], F.stoppedEarlyMeta({ base: hostile }))
    const md = renderMarkdown(parseReport(toJson(report)))
    const line = md.split('\n').find((l) => l.includes('⏱'))!
    // The footer's own <sub> wrapper aside, nothing of the words renders as a tag, link or mention.
    const html = toHtml(line.replace(/^<sub>|<\/sub>$/g, ''))
    expect(dangerousTags(html)).toEqual([])
    expect(html).not.toMatch(/<img|<a\b/)
    expect(postRenderLinks(html)).toEqual([])
    expect(visibleText(html)).toContain('<img src=x onerror=alert(1)>')
  })

  it('the reader refuses a stop reason it does not know, naming the field', () => {
    const report = F.report(F.cleanAnalysis(), [], F.stoppedEarlyMeta())
    const json = JSON.parse(toJson(report))
    json.meta.timing.sides[0].stop.reason = 'because'
    expect(() => parseReport(JSON.stringify(json))).toThrow(ReportValidationError)
    expect(() => parseReport(JSON.stringify(json))).toThrow(/report\.meta\.timing\.sides\[0\]\.stop\.reason/)
    json.meta.timing.sides[0].stop.reason = 'floor-reached'
    json.meta.timing.buildMs = -1
    expect(() => parseReport(JSON.stringify(json))).toThrow(/report\.meta\.timing\.buildMs/)
  })
})
