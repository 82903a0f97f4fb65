/**
 * A profile (or profile text) that cannot be used. The message is one line and
 * names what is wrong, so callers can show it as is.
 */
export class ProfileError extends Error {
  override name = 'ProfileError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s*\n\s*/g, ' ').trim(), options)
  }
}
