import { describe, expect, it } from 'vitest'
import {
  codeBlock,
  codeSpan,
  escapeHtml,
  escapeMarkdown,
  safeUrl,
  truncateMiddle,
} from '../../src/report/escape.js'
import { commentMarker } from '../../src/report/marker.js'
import { dangerousTags, postRenderLinks, toHtml, visibleText } from './gfm.js'

const HOSTILE = [
  '@org/team',
  '@octocat please look',
  '<img src=x onerror=alert(1)>',
  '](javascript:alert(1))',
  '[click](javascript:alert(1))',
  '![x](https://evil.example/x.png)',
  '<https://evil.example>',
  'a`b``c```d',
  '`',
  '``leading and trailing``',
  ' padded ',
  'pipe|in|name',
  '<!-- memleak-action:default -->',
  '<details><summary>open me</summary>',
  '**bold** __strong__ _em_ *em* ~~del~~',
  'https://evil.example/phish?x=1',
  'visit www.evil.example today',
  'fixes #123 and GH-45 and acme/shop#7',
  'user@example.com',
  '$x^2$ and $$\\Huge{pwned}$$',
  'line1\nline2\r\n# heading\n- item',
  '# heading',
  '- list item',
  '+ list item',
  '1. ordered',
  '3) ordered',
  '> quote',
  '---',
  '===',
  '&lt;script&gt; &#64;user &amp;',
  'back\\slash \\| \\` \\*',
  'main.(*Server).handle[go.shape.string]',
  'github.com/acme/shop/internal/handlers.(*Server).rememberResponse.func1',
  '<script>alert(1)</script>',
  '<span>$</span>',
]

/** The rendered paragraph's text, as a reader sees it. */
function inParagraph(md: string): string {
  return visibleText(toHtml(`before ${md} after`)).trim()
}

function spansOnlyDollar(html: string): boolean {
  return [...html.matchAll(/<span>([\s\S]*?)<\/span>/g)].every((m) => m[1] === '$')
}

describe('escapeMarkdown', () => {
  for (const text of HOSTILE) {
    it(`renders ${JSON.stringify(text)} as plain text`, () => {
      const md = escapeMarkdown(text)
      const html = toHtml(`before ${md} after`)
      expect(dangerousTags(html).filter((t) => !t.startsWith('<span'))).toEqual([])
      expect(spansOnlyDollar(html)).toBe(true)
      expect(html).not.toContain('<code')
      expect(postRenderLinks(html)).toEqual([])
      // What the reader sees is what the code said (newlines become spaces).
      expect(inParagraph(md)).toBe(`before ${text.replace(/\r\n|\r|\n/g, ' ')} after`)
    })
  }

  it('is safe at the start of a line, where block syntax counts', () => {
    for (const text of HOSTILE) {
      const html = toHtml(`${escapeMarkdown(text)}\n`)
      expect(html.startsWith('<p>')).toBe(true)
      expect(dangerousTags(html).filter((t) => !t.startsWith('<span'))).toEqual([])
      expect(html).not.toMatch(/<(h\d|hr|ul|ol|blockquote|pre)\b/)
    }
    // After a paragraph line too (setext underline).
    expect(toHtml(`title\n${escapeMarkdown('===')}\n`)).not.toContain('<h1')
    expect(toHtml(`title\n${escapeMarkdown('---')}\n`)).not.toContain('<h2')
  })

  it('keeps a table cell a cell', () => {
    for (const text of HOSTILE) {
      const md = `| a | b |\n| - | - |\n| ${escapeMarkdown(text)} | x |\n`
      const html = toHtml(md)
      expect(html.match(/<td>/g)).toHaveLength(2)
      expect(html).toContain('<td>x</td>')
      expect(dangerousTags(html).filter((t) => !/^<(table|span)/.test(t))).toEqual([])
      expect(visibleText(html.match(/<td>([\s\S]*?)<\/td>/)![1])).toBe(
        text.replace(/\r\n|\r|\n/g, ' ').trim(),
      )
    }
  })

  it('cuts very long names in the middle', () => {
    const long = 'github.com/acme/' + 'x'.repeat(10_000) + '.Handler'
    const md = escapeMarkdown(long, { max: 80 })
    expect(visibleText(toHtml(md))).toHaveLength(80)
    expect(visibleText(toHtml(md))).toMatch(/^github\.com\/acme\/x+…x+\.Handler$/)
    expect(escapeMarkdown(long, { max: 0 })).toContain('x'.repeat(10_000))
  })

  it('leaves ordinary text readable in the Markdown source', () => {
    expect(escapeMarkdown('+412 B/req retained in main.rememberResponse (handlers.go:42)')).toBe(
      '+412 B/req retained in main.rememberResponse (handlers.go:42)',
    )
    expect(escapeMarkdown('48.2k requests, -8%')).toBe('48.2k requests, -8%')
  })
})

describe('codeSpan', () => {
  for (const text of HOSTILE) {
    it(`shows ${JSON.stringify(text)} verbatim in one code span`, () => {
      const md = codeSpan(text)
      const html = toHtml(`before ${md} after`)
      const codes = [...html.matchAll(/<code>([\s\S]*?)<\/code>/g)]
      expect(codes).toHaveLength(1)
      expect(html.replace(/<code>[\s\S]*?<\/code>/, '')).toBe('<p>before  after</p>')
      expect(visibleText(codes[0][1])).toBe(text.replace(/\r\n|\r|\n/g, ' '))
    })
  }

  it('in a table cell, pipes stay inside the span and the row keeps its cells', () => {
    for (const text of HOSTILE) {
      const html = toHtml(`| a | b |\n| - | - |\n| ${codeSpan(text, { table: true })} | x |\n`)
      expect(html.match(/<td>/g)).toHaveLength(2)
      const code = html.match(/<td><code>([\s\S]*?)<\/code><\/td>/)
      expect(code, text).not.toBeNull()
      expect(visibleText(code![1])).toBe(text.replace(/\r\n|\r|\n/g, ' '))
    }
  })

  it('chooses a fence longer than any backtick run', () => {
    expect(codeSpan('a`b')).toBe('``a`b``')
    expect(codeSpan('x```y`')).toBe('```` x```y` ````')
    expect(codeSpan('')).toBe('` `')
  })
})

describe('codeBlock', () => {
  for (const text of [...HOSTILE, '```\nbreak out\n```', '````\n```\n', 'a\n\n\nb', '~~~\nx']) {
    it(`keeps ${JSON.stringify(text.slice(0, 30))} inside one block`, () => {
      const html = toHtml(`${codeBlock(text, 'text')}\n\nafter\n`)
      expect(html.match(/<pre>/g)).toHaveLength(1)
      expect(html.trim().endsWith('<p>after</p>')).toBe(true)
      const body = html.match(/<pre><code[^>]*>([\s\S]*?)<\/code><\/pre>/)![1]
      expect(visibleText(body)).toBe(text.replace(/\r\n|\r/g, '\n').replace(/\n?$/, '\n'))
    })
  }

  it('drops anything but letters from the info string', () => {
    expect(codeBlock('x', 'sh onclick=1')).toBe('```shonclick1\nx\n```')
  })
})

describe('escapeHtml', () => {
  it('is inert inside a <summary>', () => {
    for (const text of HOSTILE) {
      const html = toHtml(`<details><summary>${escapeHtml(text)}</summary>\n\nbody\n\n</details>\n`)
      expect(html.match(/<summary>/g)).toHaveLength(1)
      expect(html.match(/<details>/g)).toHaveLength(1)
      expect(html).not.toMatch(/<(img|a|script)\b/)
      expect(
        postRenderLinks(html.replace(/<\/?(details|summary|p)>/g, ' ')).filter((l) => !l.startsWith('http')),
      ).toEqual([])
    }
  })
})

describe('commentMarker', () => {
  it('cannot be closed early or span lines', () => {
    expect(commentMarker('memleak/./cmd/api')).toBe('<!-- memleak-action:memleak/./cmd/api -->')
    const forged = commentMarker('x --> <img src=x> <!-- y\nz')
    expect(forged.match(/-->/g)).toHaveLength(1)
    expect(forged.endsWith(' -->')).toBe(true)
    expect(forged).not.toContain('\n')
    expect(forged).not.toContain('<img')
    expect(commentMarker('')).toBe('<!-- memleak-action:default -->')
  })
})

describe('helpers', () => {
  it('truncateMiddle keeps both ends', () => {
    expect(truncateMiddle('abcdefghij', 5)).toBe('ab…ij')
    expect(truncateMiddle('short', 10)).toBe('short')
  })

  it('safeUrl accepts http(s) only and encodes what would end a link', () => {
    expect(safeUrl('javascript:alert(1)')).toBeUndefined()
    expect(safeUrl('data:text/html,x')).toBeUndefined()
    expect(safeUrl('not a url')).toBeUndefined()
    expect(safeUrl('https://github.com/o/r/actions/runs/1/artifacts/2')).toBe(
      'https://github.com/o/r/actions/runs/1/artifacts/2',
    )
    expect(safeUrl('https://x.example/a(b)c')).toBe('https://x.example/a%28b%29c')
  })
})
