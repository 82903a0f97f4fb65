/**
 * A problem with what the user gave us (an input, a flag, a profile file).
 * The action fails the step with its message; the CLI prints it on one line and exits 2.
 */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** The message of any thrown value, on one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
