// Which lines of a file a review comment may sit on: the RIGHT side of the
// hunks of the file's `patch` (as `GET pulls/{n}/files` gives it), added and
// context lines alike. GitHub answers 422 for any other line, so this decides
// between a line comment and a file-level one before anything is sent.

const HUNK = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/

/** The head-side line numbers a patch shows; empty for a deletion or a patch without hunks. */
export function rightSideLines(patch: string): Set<number> {
  const lines = new Set<number>()
  let next = 0
  let left = 0
  for (const text of patch.split('\n')) {
    const hunk = HUNK.exec(text)
    if (hunk) {
      next = Number(hunk[1])
      left = hunk[2] === undefined ? 1 : Number(hunk[2])
      continue
    }
    // Lines before the first hunk (a header), or past the hunk's end.
    if (left <= 0) continue
    const mark = text.charAt(0)
    if (mark === '+' || mark === ' ') {
      lines.add(next++)
      left--
    } else if (mark === '' && text === '') {
      // A blank context line whose leading space was stripped (some tools do).
      lines.add(next++)
      left--
    }
    // '-' is the base side only; '\' is "No newline at end of file".
  }
  return lines
}
