// The review comment's text: rendered as GitHub renders it, so the marker stays
// hidden, the PR's own names cannot mention, link or inject, and the identity
// survives the line moving.
import { describe, expect, it } from 'vitest'
import type { Finding } from '../../src/model/analysis.js'
import {
  isFixedReviewComment,
  markerOf,
  renderFixedReviewComment,
  renderReviewComment,
  reviewMarker,
} from '../../src/report/review-comment.js'
import * as F from './fixtures.js'
import { dangerousTags, postRenderLinks, toHtml, visibleText } from './gfm.js'

const at = (f: Finding, line: number): Finding => ({
  ...f,
  site: { ...f.site, ownFrame: { ...f.site.ownFrame!, line } },
})

describe('reviewMarker', () => {
  it('names the job, the kind and the site, not the line, and is found again only under its own id', () => {
    const f = F.heapLeakFinding()
    const marker = reviewMarker('memleak:.:./cmd/api', f)
    expect(marker).toMatch(/^<!-- memleak-action-review:memleak:\.:\.\/cmd\/api heap-leak [0-9a-f]{12} -->$/)
    expect(reviewMarker('memleak:.:./cmd/api', at(f, 99))).toBe(marker)
    expect(reviewMarker('memleak:.:./cmd/api', { ...f, kind: 'goroutine-leak' })).not.toBe(marker)
    expect(reviewMarker('other', f)).not.toBe(marker)
    expect(markerOf(`${marker}\nbody`, 'memleak:.:./cmd/api')).toBe(marker)
    expect(markerOf(`${marker}\nbody`, 'memleak')).toBeUndefined()
    expect(markerOf(`quote: ${marker}`, 'memleak:.:./cmd/api')).toBeUndefined()
    // A comment id cannot close the HTML comment early.
    expect(reviewMarker('a --> <b>', f)).toMatch(/^<!-- memleak-action-review:a_-___b_ /)
    expect(reviewMarker('a --> <b>', f).indexOf('-->')).toBe(reviewMarker('a --> <b>', f).length - 3)
  })
})

describe('renderReviewComment', () => {
  const marker = reviewMarker('api', F.heapLeakFinding())
  const url = 'https://github.com/acme/shop/pull/3#issuecomment-9'

  it('says the cause with its rate, the fix and where the report is, under a hidden marker', () => {
    const body = renderReviewComment(F.heapLeakFinding(), {
      marker,
      path: 'cmd/api/handlers.go',
      line: 42,
      reportUrl: url,
    })
    const text = visibleText(toHtml(body))
    expect(text).not.toContain('memleak-action-review')
    expect(text).toContain('❌ New heap leak: +412 B/req retained in main.rememberResponse (handlers.go:42)')
    expect(text).toContain('Fix: A map that only grows: bound it (an LRU, a TTL)')
    expect(text).toContain('Growth over the run: +15.7 MiB.')
    expect(toHtml(body)).toContain(`<a href="${url}">the full report</a>`)
    expect(text).not.toContain('Now at')
  })

  it('says where the finding is now when it moved, and which line a file-level comment means', () => {
    const moved = renderReviewComment(F.heapLeakFinding(), {
      marker,
      path: 'cmd/api/h.go',
      line: 50,
      moved: true,
    })
    expect(moved).toContain('Now at `cmd/api/h.go:50`.')
    const file = renderReviewComment(F.heapLeakFinding(), {
      marker,
      path: 'cmd/api/h.go',
      line: 7,
      fileLevel: true,
    })
    expect(file).toContain("At `cmd/api/h.go:7`, a line outside this pull request's diff.")
    // Without a report URL there is no link, and never one that is not http(s).
    expect(toHtml(file)).not.toContain('<a ')
    const js = renderReviewComment(F.heapLeakFinding(), {
      marker,
      path: 'a.go',
      line: 1,
      reportUrl: 'javascript:alert(1)',
    })
    expect(toHtml(js)).not.toContain('javascript:')
  })

  it("the PR's own names cannot mention, reference, link or inject HTML", () => {
    const hostile: Finding = {
      ...F.heapLeakFinding(),
      site: F.site('main.(*T).<script>@octocat#12', '/w/a.go', 3),
      summary: 'Leaks for @octocat in #12 <img src=x onerror=alert(1)> https://evil.example',
      hint: 'See [here](javascript:alert(1)) and @org/team',
    }
    const html = toHtml(renderReviewComment(hostile, { marker, path: 'a.go', line: 3 }))
    const plain = toHtml(renderReviewComment(F.heapLeakFinding(), { marker, path: 'a.go', line: 3 }))
    expect(postRenderLinks(html)).toEqual([])
    // Only our own markup: the marker, the bold title and the Fix label, the footer.
    expect(dangerousTags(html)).toEqual(dangerousTags(plain))
    expect(html).not.toMatch(/href="(?!https:\/\/github)/)
  })
})

describe('renderFixedReviewComment', () => {
  it('keeps the marker, says "fixed in" with the commit, and folds what was reported', () => {
    const marker = reviewMarker('api', F.heapLeakFinding())
    const previous = renderReviewComment(F.heapLeakFinding(), {
      marker,
      path: 'cmd/api/handlers.go',
      line: 42,
      reportUrl: 'https://github.com/acme/shop/pull/3#issuecomment-9',
    })
    expect(isFixedReviewComment(previous)).toBe(false)
    const fixed = renderFixedReviewComment({ marker, headSha: 'abcdef0123456789', previous })
    const [first, second] = fixed.split('\n')
    expect(first).toBe(marker)
    expect(second).toBe('✅ fixed in `abcdef0`: this run measured head and no longer finds it.')
    expect(isFixedReviewComment(fixed)).toBe(true)
    expect(fixed).toContain('<details><summary>What was reported</summary>')
    expect(fixed).toContain('New heap leak')
    // The old footer is not repeated inside the fold.
    expect(fixed.match(/<sub>memleak-action/g)).toHaveLength(1)
  })
})
