// Renders Markdown the way GitHub's first pass does (CommonMark + GFM, raw HTML
// kept as written), then looks at it the way GitHub's second pass does: filters
// over the rendered text that turn @user, #12 and bare URLs into links.
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'

export function toHtml(markdown: string): string {
  return micromark(markdown, { extensions: [gfm()], htmlExtensions: [gfmHtml()], allowDangerousHtml: true })
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(
        e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10),
      )
    return ENTITIES[e] ?? m
  })
}

/** The visible text: tags removed, entities decoded, zero-width spaces dropped. */
export function visibleText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, '')).replace(/\u200b/g, '')
}

/** Text nodes outside <code>/<pre>/<a>, where GitHub's post-render filters run. */
export function filteredText(html: string): string {
  const outside = html.replace(/<(code|pre|a)\b[^>]*>[\s\S]*?<\/\1>/g, ' ')
  return decodeEntities(outside.replace(/<[^>]*>/g, ' '))
}

/** What GitHub's post-render filters would link: mentions, issue references, bare URLs. */
export function postRenderLinks(html: string): string[] {
  const text = filteredText(html)
  const found: string[] = []
  for (const m of text.matchAll(/(?:^|[^\w`])@[a-z0-9][a-z0-9-]*(?:\/[a-z0-9_.-]+)?/gi))
    found.push(m[0].trim())
  for (const m of text.matchAll(/(?:^|\W)(?:#|GH-)\d+/gi)) found.push(m[0].trim())
  for (const m of text.matchAll(/\b(?:https?:\/\/|www\.)\S+/gi)) found.push(m[0])
  return found
}

/** Elements an attacker must never get into our comment. */
export function dangerousTags(html: string): string[] {
  return [
    ...html.matchAll(
      /<(a|img|script|iframe|em|strong|del|details|summary|h[1-6]|blockquote|ul|ol|li|table|input|span|sub)\b[^>]*>|<!--/gi,
    ),
  ].map((m) => m[0])
}
