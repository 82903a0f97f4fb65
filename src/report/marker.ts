// The sticky comment's identity: the hidden first line that finds it again, from
// the comment id (the input, or the job and package).

/** A comment id reduced to characters that cannot end an HTML comment or the line. */
export function safeCommentId(id: string): string {
  return (
    String(id)
      .replace(/[^A-Za-z0-9._:/@+=-]/g, '_')
      .replace(/-{2,}/g, '-')
      .slice(0, 100) || 'default'
  )
}

/** The hidden first line that identifies our sticky comment. */
export function commentMarker(id: string): string {
  return `<!-- memleak-action:${safeCommentId(id)} -->`
}
