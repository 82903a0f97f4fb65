import { ProfileError } from './profile-error.js'
import type { GoroutineRecord } from '../model/profile.js'

type Frame = GoroutineRecord['frames'][number]

// goroutine 7 [chan send, 3 minutes]:
// goroutine 1 gp=0xc000002380 m=0 mp=0x5c3ec0 [running]:   (GOTRACEBACK=system)
const HEADER = /^goroutine (\d+)(?: gp=\S+(?: m=\S+)?(?: mp=\S+)?)? \[(.*)\]:$/
// \t/path/file.go:12 +0x1d   (maybe followed by fp= sp= pc=); the greedy path allows "C:/..."
const FILE_LINE = /^\t(.+):(\d+)(?:\s|$)/
const CREATED_BY = /^created by (\S+)(?: in goroutine (\d+))?$/
const ANCESTOR = /^\[originating from goroutine (\d+)\]:$/
const ELIDED = /^\.\.\.(\d+|additional) frames elided\.\.\.$/
const MINUTES = /^(\d+) minutes?$/

/**
 * Parses /debug/pprof/goroutine?debug=2 (the runtime's traceback format).
 * Lines it does not recognise are skipped, so a newer runtime's additions do
 * not break the parse; text with no goroutine header at all is an error.
 */
export function parseGoroutineDump(debug2Text: string): GoroutineRecord[] {
  const records: GoroutineRecord[] = []
  let current: GoroutineRecord | undefined
  // Where frame lines go: the goroutine's own stack, or an ancestor's.
  let frames: Frame[] = []
  let pendingFunc: string | undefined
  let pendingCreatedBy: { func: string; goroutine?: number } | undefined
  let inAncestor = false

  for (const rawLine of debug2Text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine
    if (line === '') {
      pendingFunc = undefined
      pendingCreatedBy = undefined
      continue
    }
    const header = HEADER.exec(line)
    if (header) {
      current = parseHeader(Number(header[1]), header[2]!)
      records.push(current)
      frames = current.frames
      pendingFunc = undefined
      pendingCreatedBy = undefined
      inAncestor = false
      continue
    }
    if (!current) continue
    const file = FILE_LINE.exec(line)
    if (file) {
      const where = { file: file[1]!, line: Number(file[2]) }
      if (pendingCreatedBy) {
        if (!inAncestor)
          current.createdBy = { func: pendingCreatedBy.func, ...where, ...goroutineOf(pendingCreatedBy) }
      } else if (pendingFunc !== undefined) {
        frames.push({ func: pendingFunc, ...where })
      }
      pendingFunc = undefined
      pendingCreatedBy = undefined
      continue
    }
    const created = CREATED_BY.exec(line)
    if (created) {
      pendingCreatedBy = { func: created[1]!, ...(created[2] ? { goroutine: Number(created[2]) } : {}) }
      pendingFunc = undefined
      continue
    }
    const ancestor = ANCESTOR.exec(line)
    if (ancestor) {
      const a = { goroutine: Number(ancestor[1]), frames: [] as Frame[] }
      ;(current.ancestors ??= []).push(a)
      frames = a.frames
      inAncestor = true
      pendingFunc = undefined
      pendingCreatedBy = undefined
      continue
    }
    const elided = ELIDED.exec(line)
    if (elided) {
      if (!inAncestor) current.elidedFrames = elided[1] === 'additional' ? 0 : Number(elided[1])
      continue
    }
    if (!line.startsWith('\t')) pendingFunc = functionName(line)
  }
  if (records.length === 0 && debug2Text.trim() !== '') {
    throw new ProfileError(
      `no "goroutine N [state]:" header in goroutine?debug=2 text (starts with ${JSON.stringify(debug2Text.slice(0, 40))})`,
    )
  }
  return records
}

function goroutineOf(c: { goroutine?: number }): { goroutine?: number } {
  return c.goroutine === undefined ? {} : { goroutine: c.goroutine }
}

/** "main.(*T).Run(0xc000010000, {0x1, 0x2})" → "main.(*T).Run"; argument lists never contain parentheses. */
function functionName(line: string): string {
  const trimmed = line.trimEnd()
  if (trimmed.endsWith(')')) {
    const open = trimmed.lastIndexOf('(')
    if (open > 0) return trimmed.slice(0, open)
  }
  return trimmed
}

/**
 * The bracket of a header: "chan send (leaked), 3 minutes, locked to thread,
 * synctest bubble 1 labels:{"k": "v"}" (runtime.goroutineheader).
 */
function parseHeader(id: number, bracket: string): GoroutineRecord {
  const record: GoroutineRecord = { id, state: '', frames: [] }
  let rest = bracket
  const labelsAt = rest.indexOf(' labels:{')
  if (labelsAt >= 0 && rest.endsWith('}')) {
    record.labels = parseLabels(rest.slice(labelsAt + ' labels:{'.length, -1))
    rest = rest.slice(0, labelsAt)
  }
  const parts = rest.split(', ')
  let state = parts[0]!
  for (const part of parts.slice(1)) {
    const minutes = MINUTES.exec(part)
    if (minutes) record.waitMinutes = Number(minutes[1])
    else if (part === 'locked to thread') record.lockedToThread = true
    // "synctest bubble N" and anything newer: not needed by the analysis.
  }
  for (;;) {
    if (state.endsWith(' (leaked)')) {
      record.leaked = true
      state = state.slice(0, -' (leaked)'.length)
    } else if (state.endsWith(' (scan)')) {
      state = state.slice(0, -' (scan)'.length)
    } else if (state.endsWith(' (durable)')) {
      record.durable = true
      state = state.slice(0, -' (durable)'.length)
    } else break
  }
  record.state = state
  return record
}

/** `"k": "v", "k2": "v2"` with Go-quoted strings. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  const pair = /("(?:[^"\\]|\\.)*"): ("(?:[^"\\]|\\.)*")/g
  for (let m = pair.exec(text); m; m = pair.exec(text)) labels[unquote(m[1]!)] = unquote(m[2]!)
  return labels
}

function unquote(q: string): string {
  try {
    return JSON.parse(q) as string
  } catch {
    // Go escapes JSON lacks (\x00, \a): keep the text between the quotes.
    return q.slice(1, -1)
  }
}
