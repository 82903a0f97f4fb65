// Inline pieces shared by the report's sections: function names, locations with
// links to the PR's files, text that may quote code between backticks.
import type { SourceFrame } from '../model/analysis.js'
import { codeSpan, escapeMarkdown, safeUrl } from './escape.js'
import { displayPath, repoRelativePath, type SourceLayout } from './paths.js'
import type { Report } from '../model/report.js'

export interface RenderContext {
  report: Report
  layout: SourceLayout
  /** https://github.com/owner/repo/blob/<sha>/ when every part is known and well-formed. */
  blobBase?: string
}

export function renderContext(report: Report): RenderContext {
  const { meta } = report
  const layout: SourceLayout = {
    roots: meta.sourceRoots,
    workingDirectory: meta.workingDirectory,
    modulePath: meta.modulePath,
  }
  let blobBase: string | undefined
  const server = safeUrl(meta.serverUrl)
  if (
    server &&
    meta.repository &&
    /^[\w.-]+\/[\w.-]+$/.test(meta.repository) &&
    meta.headSha &&
    /^[0-9a-f]{7,64}$/i.test(meta.headSha)
  ) {
    blobBase = `${server.replace(/\/+$/, '')}/${meta.repository}/blob/${meta.headSha}/`
  }
  return { report, layout, blobBase }
}

/**
 * A Go function name without its package's directory (github.com/x/svc/handlers.(*S).Get
 * -> handlers.(*S).Get); the full name is in the stack.
 */
export function shortFunction(name: string): string {
  const end = name.search(/[[(]/)
  const head = end < 0 ? name : name.slice(0, end)
  const slash = head.lastIndexOf('/')
  if (slash < 0) return name
  const short = name.slice(slash + 1)
  // gopkg.in/yaml.v3 reaches the symbol table as yaml%2ev3: its package is yaml.
  const gopkg = /^([A-Za-z_]\w*)%2ev\d+(\..*)$/.exec(short)
  if (gopkg) return gopkg[1] + gopkg[2]
  // A major-version path (github.com/x/health-go/v5.(*Health).Measure) names its package by the
  // element before /vN, as goimports assumes: health.(*Health).Measure, not v5.(*Health).Measure.
  const major = /^v\d+\./.exec(short)
  if (!major) return short
  const before = head.slice(0, slash)
  const pkg = assumedPackageName(before.slice(before.lastIndexOf('/') + 1))
  return pkg ? pkg + short.slice(major[0].length - 1) : short
}

/** goimports' guess at a package's name from its last path element: go-yaml, health-go -> yaml, health. */
function assumedPackageName(element: string): string {
  const trimmed = element.replace(/^go-/, '').replace(/[-.]go$/, '')
  return /^[A-Za-z_][\w]*/.exec(trimmed)?.[0] ?? ''
}

export function fn(name: string, table = false): string {
  return codeSpan(shortFunction(name), { max: 100, table })
}

function encodePath(path: string): string {
  return path
    .split('/')
    .map((seg) =>
      encodeURIComponent(seg).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
    )
    .join('/')
}

/** `path:line`, linked to the PR's file when it is one of the repository's files. */
export function location(frame: SourceFrame | undefined, ctx: RenderContext, table = false): string {
  if (!frame) return '—'
  const line = Number.isInteger(frame.line) && frame.line > 0 ? frame.line : undefined
  const shown = displayPath(frame.file, ctx.layout)
  const text = codeSpan(line ? `${shown}:${line}` : shown, { max: 120, table })
  const rel = repoRelativePath(frame.file, ctx.layout)
  if (!rel || !ctx.blobBase) return text
  return `[${text}](${ctx.blobBase}${encodePath(rel)}${line ? `#L${line}` : ''})`
}

/** file.go:42, for headlines. */
export function shortLocation(frame: SourceFrame | undefined): string | undefined {
  if (!frame) return undefined
  const base = frame.file.replace(/\\/g, '/').split('/').pop() || frame.file
  return frame.line > 0 ? `${base}:${frame.line}` : base
}

/**
 * Text that may quote code between single backticks (hints, summaries, notes):
 * the quoted parts become code spans, everything else is escaped.
 */
export function proseToMarkdown(text: string, max = 1000): string {
  const s = text.length > max ? text.slice(0, max - 1) + '…' : text
  const parts = s.split(/`([^`\n]+)`/)
  return parts
    .map((part, i) => (i % 2 === 1 ? codeSpan(part, { max: 200 }) : escapeMarkdown(part, { max: 0 })))
    .join('')
}
