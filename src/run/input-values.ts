// Parsers for particular inputs: fail-on, rate, the repository paths, package,
// base-ref, memory-limit, and the plain-text check every input's raw text passes.
// Each throws UsageError naming the input and showing the expected form.
import { totalmem } from 'node:os'
import { UsageError } from '../model/errors.js'
import { FAIL_ON_WORDS, type FailOnWord } from '../report/verdict.js'
import { parseSize } from './input-parsers.js'

export function parseFailOn(raw: string): FailOnWord[] {
  const words = raw
    .split(/[\s,]+/)
    .map((w) => w.trim())
    .filter(Boolean)
  for (const word of words) {
    if (!(FAIL_ON_WORDS as readonly string[]).includes(word)) {
      throw new UsageError(
        `fail-on: expected any of ${FAIL_ON_WORDS.join(', ')} separated by commas, got ${JSON.stringify(word)}`,
      )
    }
  }
  if (words.length === 0)
    throw new UsageError(`fail-on: expected any of ${FAIL_ON_WORDS.join(', ')}, got nothing`)
  if (words.includes('none') && words.length > 1)
    throw new UsageError('fail-on: "none" cannot be combined with other words')
  return words as FailOnWord[]
}

/** "200" or "200/s": requests per second, more than 0. */
export function parseRate(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(?:\/s)?$/.exec(raw.trim())
  const rate = m ? Number(m[1]) : NaN
  if (!(rate > 0) || rate > 10_000_000) {
    throw new UsageError(
      `rate: expected requests per second above 0, like 200 or 200/s, got ${JSON.stringify(raw)}`,
    )
  }
  return rate
}

export function relativePath(name: string, raw: string): string {
  const text = raw.trim() || '.'
  if (text.startsWith('/') || text.split(/[\\/]/).includes('..')) {
    throw new UsageError(
      `${name}: expected a path inside the repository like ./cmd/api, got ${JSON.stringify(raw)}`,
    )
  }
  return text
}

/**
 * A package path as `go build` takes it: ./cmd/api, ., example.com/x/cmd/y.
 * Never a flag: `-toolexec=/tmp/x.sh` would run a program for every compile.
 */
export function packagePath(raw: string): string {
  const text = raw.trim()
  if (
    text.startsWith('-') ||
    !/^[A-Za-z0-9._~/+@-]+$/.test(text) ||
    text.startsWith('/') ||
    text.split('/').includes('..')
  ) {
    throw new UsageError(
      `package: expected a Go package path like ./cmd/api or example.com/svc/cmd/api, got ${JSON.stringify(raw)}`,
    )
  }
  return text
}

/** C0 controls but tab and line breaks, and DEL: never meant in an input, and NUL breaks every exec. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/
/** Inputs that are several lines by design; every other input is one line. */
const MULTI_LINE = new Set(['build-command', 'args', 'env', 'requests', 'headers', 'setup-command'])

/** The raw text of an input, refused when it holds what no input means (control characters, a stray line break). */
export function plainText(name: string, raw: string): string {
  // requests reports a control character with the line it is on (load/requests.ts).
  const control = name === 'requests' ? null : CONTROL.exec(raw)
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    throw new UsageError(`${name}: contains the control character U+${code}; expected plain text`)
  }
  if (!MULTI_LINE.has(name) && /[\r\n]/.test(raw.trim())) {
    throw new UsageError(`${name}: expected one line, got ${JSON.stringify(raw)}`)
  }
  return raw
}

/** A commit-ish for git: never an option (`--upload-pack=...` would run a program), no spaces. */
export function gitRef(raw: string): string {
  const text = raw.trim()
  if (text && (text.startsWith('-') || /\s/.test(text))) {
    throw new UsageError(
      `base-ref: expected a branch, tag or commit like main or origin/main, got ${JSON.stringify(raw)}`,
    )
  }
  return text
}

/** Half of this machine's memory: room for us and the other side's data while a side leaks to the limit. */
export function defaultMemoryLimit(total = totalmem()): number {
  return Math.floor(total / 2 / 1024 ** 2) * 1024 ** 2
}

export function parseMemoryLimit(raw: string): number | undefined {
  const text = raw.trim().toLowerCase()
  if (text === 'auto') return defaultMemoryLimit()
  if (text === 'none' || text === '0') return undefined
  try {
    return parseSize('memory-limit', raw, 64 * 1024 ** 2, 1024 ** 4)
  } catch {
    throw new UsageError(
      `memory-limit: expected auto, none, or a size from 64MiB like 2GiB, got ${JSON.stringify(raw)}`,
    )
  }
}
