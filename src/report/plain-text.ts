// Our Markdown as plain text, for places that do not render it (a check run's
// title, a <summary> element, which shows Markdown source as typed).

/** One line of our Markdown without heading marks, backslash escapes, code fences or entities. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/^#{1,6}\s+/, '')
    .replace(/<\/?span>/g, '')
    .replace(/`+/g, '')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/&#(\d+);/g, (_, code: string) =>
      // The zero-width spaces that break mentions in a comment mean nothing in plain text.
      code === '8203' ? '' : String.fromCodePoint(Math.min(Number(code), 0x10ffff)),
    )
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim()
}

/** The first heading of a rendered report: its verdict with the one number that matters. */
export function headlineOf(markdown: string): string {
  const line = markdown.split('\n').find((l) => /^#{1,6}\s/.test(l))
  return line ? plainText(line) : ''
}
