// Escaping for text that comes from the PR's code (function names, file paths,
// service log lines) or from an untrusted report artifact. GitHub renders a
// comment in two passes: CommonMark/GFM first, then filters over the HTML text
// (mentions, issue references, math). Backslash escapes only defeat the first
// pass, so the second is defeated by a zero-width space or by splitting the
// text node; code spans and code blocks are skipped by both passes.

/** A zero-width space, as an entity so it is visible in the Markdown source. */
const ZWSP = '&#8203;'

/** Longest run of consecutive backticks in text. */
function longestBacktickRun(text: string): number {
  let longest = 0
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
  return longest
}

/**
 * Shortens text to at most max characters by cutting its middle: the start of a
 * function name (package) and the end of a path (file name) carry the meaning.
 */
export function truncateMiddle(text: string, max: number): string {
  const chars = Array.from(text)
  if (chars.length <= max) return text
  if (max <= 1) return '…'.slice(0, max)
  const head = Math.ceil((max - 1) / 2)
  const tail = max - 1 - head
  return chars.slice(0, head).join('') + '…' + (tail > 0 ? chars.slice(-tail).join('') : '')
}

/** Control characters (except tab) and Unicode line/paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g

/** Collapses text to one line: a newline would end a table row or a code span. */
function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n|\t/g, ' ').replace(CONTROL, '')
}

/**
 * What must change in inline text: Markdown punctuation that opens emphasis, code,
 * links, images, tables or strikethrough; `<` that could open a tag, a comment or an
 * autolink; `&` that would start an entity; and the sigils of GitHub's post-render filters.
 */
const INLINE = /[\\`*_[\]|~$@]|<(?=[A-Za-z/!?])|&(?=#?\w+;)|#(?=\d)|(?<=\bGH)-(?=\d)|:(?=\/\/)|(?<=\bwww)\./gi

export interface InlineOptions {
  /** Cut longer text in the middle (default 300 characters; 0 = no limit). */
  max?: number
}

export interface CodeSpanOptions extends InlineOptions {
  /** The span goes into a GFM table cell: `|` must not end the cell. */
  table?: boolean
}

/**
 * Plain inline text that renders exactly as given: no mention, issue reference,
 * link, image, autolink, HTML tag or comment, emphasis, math, heading, list, quote.
 * Newlines become spaces (inline text must not start a new block).
 */
export function escapeMarkdown(text: string, opts: InlineOptions = {}): string {
  const max = opts.max ?? 300
  let s = oneLine(String(text))
  if (max > 0) s = truncateMiddle(s, max)
  s = s.replace(INLINE, (c) => {
    switch (c) {
      case '<':
        return '&lt;'
      case '&':
        return '&amp;'
      // GitHub's math filter runs on rendered text: a lone $ in its own span is never a delimiter.
      case '$':
        return '<span>$</span>'
      // Mentions (@user, @org/team), issue references (#12, GH-12) and autolinks
      // (https://x, www.x) are found in the rendered text, where backslashes are
      // gone: a zero-width space breaks each pattern and stays invisible.
      case '@':
      case '#':
      case '-':
      case ':':
        return c + ZWSP
      case '.':
        return ZWSP + c
      default:
        return '\\' + c
    }
  })
  // Block syntax only counts at the start of a line: a heading, quote, list item,
  // setext underline or thematic break if the caller puts the text there.
  return s
    .replace(/^(?:#{1,6}(?=\s|$)|[+-](?=\s|$)|[=-]+\s*$|>)/, (m) => (m === '>' ? '&gt;' : '\\' + m))
    .replace(/^(\d{1,9})(?=[.)](?:\s|$))/, '$1\\')
}

/**
 * Text inside raw HTML (a `<summary>`), where Markdown is not parsed but
 * entities are, and the mention filter still runs.
 */
export function escapeHtml(text: string, opts: InlineOptions = {}): string {
  const max = opts.max ?? 300
  let s = oneLine(String(text))
  if (max > 0) s = truncateMiddle(s, max)
  return s.replace(/[&<>"'`$]|[@#]|(?<=\bGH)-(?=\d)|:(?=\/\/)|(?<=\bwww)\./gi, (c) => {
    if (c === '.') return ZWSP + c
    if (c === '@' || c === '#' || c === ':' || c === '-') return c + ZWSP
    return `&#${c.charCodeAt(0)};`
  })
}

/**
 * A code span that shows text verbatim. The fence is one backtick longer than any
 * run inside, padded with spaces when the text starts or ends with a backtick or a
 * space (CommonMark strips one space each side). In a table, `|` is escaped: GFM
 * splits cells before it parses code spans and turns `\|` back into `|`.
 */
export function codeSpan(text: string, opts: CodeSpanOptions = {}): string {
  const max = opts.max ?? 300
  let s = oneLine(String(text))
  if (max > 0) s = truncateMiddle(s, max)
  if (s === '') return '` `'
  const fence = '`'.repeat(longestBacktickRun(s) + 1)
  const pad = /^[` ]|[` ]$/.test(s) ? ' ' : ''
  // `\\|` would be read as an escaped backslash and a cell boundary: a real (invisible)
  // zero-width space keeps a backslash that precedes a pipe away from it.
  if (opts.table) s = s.replace(/\\(?=\|)/g, '\\\u200b').replace(/\|/g, '\\|')
  return fence + pad + s + pad + fence
}

/**
 * A fenced code block (its own block: the caller surrounds it with blank lines).
 * The fence is longer than any backtick run inside, so no line can close it early.
 */
export function codeBlock(text: string, lang = ''): string {
  const body = String(text)
    .replace(/\r\n|\r/g, '\n')
    .replace(CONTROL, '')
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(body) + 1))
  const info = lang.replace(/[^A-Za-z0-9_+-]/g, '')
  return `${fence}${info}\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}${fence}`
}

/**
 * A link whose text is escaped and whose URL is one we built from trusted parts;
 * refuses anything but http(s) so no `javascript:` or data URL is ever emitted.
 */
export function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return undefined
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined
  // Percent-encode what would end or confuse a Markdown link destination.
  return parsed.href.replace(
    /[()<>\s"'`\\]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'),
  )
}
