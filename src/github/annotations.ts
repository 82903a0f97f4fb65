// Annotations at the PR's own lines: the leaking line, the allocating line.
// GitHub shows at most 10 errors and 10 warnings a step, so findings are ranked
// and cut here; main emits the plain objects with core.error/warning/notice.
import type { AllocatorChange, Analysis, Finding, SourceFrame } from '../model/analysis.js'
import { formatBytes, formatChange, formatQuantity, formatRate } from '../model/format.js'
import { KIND_LABEL } from '../model/finding-kinds.js'
import { orderFindings } from '../report/headline.js'
import { repoRelativePath } from '../report/paths.js'

export interface Annotation {
  /** Relative to the repository root (GITHUB_WORKSPACE), forward slashes. */
  path: string
  line: number
  title: string
  message: string
  level: 'error' | 'warning' | 'notice'
}

export interface PathMapping {
  /** Absolute path of the checkout (GITHUB_WORKSPACE): absolute pprof paths under it map. */
  workspace: string
  /** The Go module root relative to the workspace (the `working-directory` input). */
  workingDirectory: string
  /** Module path from go.mod: -trimpath file names start with it. */
  modulePath: string
}

/**
 * The repository-relative path of a file as pprof names it (absolute under the
 * workspace, or `<module path>/<dir>/<file>.go` when built with -trimpath);
 * undefined for the standard library, dependencies and anything outside.
 */
export function toRepoPath(file: string, m: PathMapping): string | undefined {
  return repoRelativePath(file, {
    roots: [m.workspace],
    workingDirectory: m.workingDirectory,
    modulePath: m.modulePath,
  })
}

/**
 * The repository file and line of a frame (a finding's own-code line): undefined
 * outside the repository or without a usable line. Annotations and review
 * comments both place a finding here.
 */
export function frameLocation(
  frame: SourceFrame | undefined,
  mapping: PathMapping,
): { path: string; line: number } | undefined {
  if (!frame || !Number.isInteger(frame.line) || frame.line < 1) return undefined
  const path = toRepoPath(frame.file, mapping)
  return path ? { path, line: frame.line } : undefined
}

const MAX_TITLE = 200
const MAX_MESSAGE = 1000

function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim()
  return one.length > max ? one.slice(0, max - 1) + '…' : one
}

function findingLevel(f: Finding): Annotation['level'] {
  if (f.kind === 'bounded-growth') return 'notice'
  return f.status === 'pre-existing' ? 'warning' : 'error'
}

function findingTitle(f: Finding): string {
  const label = KIND_LABEL[f.kind]
  const prefix =
    f.kind === 'crash' || f.kind === 'bounded-growth'
      ? label.charAt(0).toUpperCase() + label.slice(1)
      : f.status === 'new'
        ? `New ${label}`
        : f.status === 'worsened'
          ? `Worse ${label}`
          : f.status === 'pre-existing'
            ? `Pre-existing ${label}`
            : label.charAt(0).toUpperCase() + label.slice(1)
  return f.kind === 'crash' ? prefix : `${prefix}: ${formatRate(f.rate, f.unit)}`
}

function findingMessage(f: Finding): string {
  const parts = [f.summary]
  if (f.kind !== 'crash') parts.push(`Growth over the run: ${formatQuantity(f.growth, f.unit)}.`)
  if (f.hint) parts.push(`Fix: ${f.hint}`)
  return parts.filter(Boolean).join(' ')
}

function regressionAnnotation(c: AllocatorChange, path: string, line: number): Annotation {
  const from = c.base ? `${formatBytes(c.base.bytesPerRequest)} → ` : ''
  return {
    path,
    line,
    level: 'warning',
    title: clip(`Allocation regression: ${formatChange(c.change)} bytes per request`, MAX_TITLE),
    message: clip(
      `${c.site.ownFrame?.function ?? c.site.function} allocates ${from}${formatBytes(c.head.bytesPerRequest)} per request${c.site.function !== c.site.ownFrame?.function ? ` (in ${c.site.function})` : ''}.`,
      MAX_MESSAGE,
    ),
  }
}

/**
 * At most `max` annotations at the PR's own lines: new and worse leaks (errors)
 * first, then pre-existing leaks and significant allocation growth (warnings),
 * then bounded growth (notices). Sites outside the repository are skipped.
 */
export function annotationsFor(analysis: Analysis, mapping: PathMapping, max = 10): Annotation[] {
  const out: Annotation[] = []
  const seen = new Set<string>()
  const add = (a: Annotation): void => {
    const key = `${a.path}:${a.line}`
    if (seen.has(key)) return
    seen.add(key)
    out.push(a)
  }
  const located = (frame: Finding['site']['ownFrame']) => frameLocation(frame, mapping)

  const findings = orderFindings(analysis.findings)
  const byLevel = (level: Annotation['level']) => findings.filter((f) => findingLevel(f) === level)
  const fromFinding = (f: Finding): void => {
    const at = located(f.site.ownFrame)
    if (at)
      add({
        ...at,
        level: findingLevel(f),
        title: clip(findingTitle(f), MAX_TITLE),
        message: clip(findingMessage(f), MAX_MESSAGE),
      })
  }

  byLevel('error').forEach(fromFinding)
  byLevel('warning').forEach(fromFinding)
  if (analysis.verdict.regression) {
    for (const c of analysis.growing) {
      if (!c.significant || !(c.change > 0)) continue
      const at = located(c.site.ownFrame)
      if (at) add(regressionAnnotation(c, at.path, at.line))
    }
  }
  byLevel('notice').forEach(fromFinding)
  return out.slice(0, max)
}
