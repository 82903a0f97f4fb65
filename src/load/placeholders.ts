// Placeholders in requests, in the spellings of VS Code's REST Client and
// JetBrains' HTTP Client, compiled once into pieces (template.ts draws them per
// request). Only values made up on the spot: nothing is ever read from the
// action's environment, which holds the token and the runner's secrets.
import type { Piece, Placeholder } from './template.js'

export const PLACEHOLDER_FORMS = [
  '{{$randomInt MIN MAX}}',
  '{{$random.integer(MIN, MAX)}}',
  '{{$guid}}',
  '{{$uuid}}',
  '{{$random.uuid}}',
  '{{$timestamp}}',
  '{{$seq}}',
] as const

const INT = String.raw`(-?\d{1,15})`
const RANDOM_INT = new RegExp(String.raw`^\$randomInt\s+${INT}\s+${INT}$`)
const RANDOM_INTEGER = new RegExp(String.raw`^\$random\.integer\(\s*(?:${INT}\s*,\s*${INT}\s*)?\)$`)
const ENVIRONMENT = /^\$(processEnv|dotenv|env\b|random\.env)/

/** One placeholder's text (between the braces, trimmed) → what it draws; throws a plain message. */
function placeholderOf(text: string): Placeholder {
  if (text === '$guid' || text === '$uuid' || text === '$random.uuid') return { p: 'uuid' }
  if (text === '$timestamp') return { p: 'timestamp' }
  if (text === '$seq') return { p: 'seq' }
  const m = RANDOM_INT.exec(text) ?? RANDOM_INTEGER.exec(text)
  if (m) {
    // JetBrains' $random.integer() without bounds draws from [0, 1000).
    const min = m[1] === undefined ? 0 : Number(m[1])
    const max = m[2] === undefined ? 1000 : Number(m[2])
    if (!(min < max)) throw new Error(`{{${text}}} needs MIN below MAX (MAX itself is never drawn)`)
    return { p: 'int', min, max }
  }
  if (ENVIRONMENT.test(text)) {
    throw new Error(
      `{{${text}}} is refused: the load never reads the action's environment or .env files (they hold ` +
        `the runner's and GitHub's credentials); put the value in the file with @name = value, or in the headers input`,
    )
  }
  throw new Error(`unknown placeholder {{${text}}}; supported: ${PLACEHOLDER_FORMS.join(', ')}`)
}

/**
 * Splits text into fixed strings and placeholders. `literal` maps each fixed
 * part (e.g. percent-encodes a path); `{{name}}` without `$` is an error here:
 * variables are substituted before (http-file.ts), and the requests input has none.
 */
export function compilePlaceholders(text: string, literal: (s: string) => string = (s) => s): Piece[] {
  const pieces: Piece[] = []
  let last = 0
  for (const m of text.matchAll(/\{\{\s*(.*?)\s*\}\}/g)) {
    if (m.index > last) pieces.push(literal(text.slice(last, m.index)))
    const inner = m[1]!
    if (!inner.startsWith('$')) {
      throw new Error(
        `unknown variable {{${inner}}} (only a request file defines variables, with @${inner} = value)`,
      )
    }
    pieces.push(placeholderOf(inner))
    last = m.index + m[0].length
  }
  if (last < text.length) pieces.push(literal(text.slice(last)))
  return pieces
}

export function isFixed(pieces: readonly Piece[]): boolean {
  return pieces.every((p) => typeof p === 'string')
}

/** The text with every placeholder drawn once: to check that a JSON body parses once filled in. */
export function sampleOf(pieces: readonly Piece[]): string {
  return pieces.map((p) => (typeof p === 'string' ? p : p.p === 'uuid' ? 'x' : '1')).join('')
}
