// The job summary (the run's page, kept even when the comment cannot be posted)
// and the step's outputs.
import { appendFile, stat } from 'node:fs/promises'
import type { Annotation } from './annotations.js'
import { renderMarkdown } from '../report/markdown.js'
import type { Report } from '../model/report.js'
import type { Verdict } from '../model/analysis.js'
import type { ActionsIO } from './actions-io.js'

/** GitHub drops a step summary larger than this. */
export const MAX_SUMMARY_BYTES = 1024 * 1024

export interface SummaryResult {
  written: boolean
  /** Where it went; undefined outside a runner (no GITHUB_STEP_SUMMARY). */
  path?: string
  bytes: number
}

/**
 * Appends Markdown to the step summary; `render` gets the UTF-8 bytes left of its
 * 1 MiB (another step or call may have written before) and must stay within them.
 */
export async function appendJobSummary(
  render: (budgetBytes: number) => string,
  path: string | undefined = process.env.GITHUB_STEP_SUMMARY,
): Promise<SummaryResult> {
  if (!path) return { written: false, bytes: 0 }
  const used = await stat(path).then(
    (s) => s.size,
    () => 0,
  )
  // A little room for the separating newline.
  const budget = MAX_SUMMARY_BYTES - used - 16
  if (budget < 1024) return { written: false, path, bytes: 0 }
  const text = (used > 0 ? '\n' : '') + render(budget)
  await appendFile(path, text, 'utf8')
  return { written: true, path, bytes: Buffer.byteLength(text) }
}

/** Appends the report to the step summary, rendered to fit what is left of its 1 MiB. */
export async function writeJobSummary(
  report: Report,
  opts: { artifactUrl?: string; path?: string } = {},
): Promise<SummaryResult> {
  return appendJobSummary(
    (budget) => renderMarkdown(report, { artifactUrl: opts.artifactUrl, maxChars: budget, maxBytes: budget }),
    opts.path ?? process.env.GITHUB_STEP_SUMMARY,
  )
}

export interface ActionOutputs {
  leak: string
  'new-leak': string
  regression: string
  report: string
  'comment-url'?: string
  'check-run-url'?: string
  'artifact-dir'?: string
}

export interface OutputExtras {
  commentUrl?: string
  checkRunUrl?: string
  /** The directory to upload with actions/upload-artifact (modes that measure). */
  artifactDir?: string
}

/** The action's outputs, as strings. */
export function outputsFor(verdict: Verdict, reportPath: string, extra: OutputExtras = {}): ActionOutputs {
  const outputs: ActionOutputs = {
    leak: String(verdict.leak),
    'new-leak': String(verdict.newLeak),
    regression: String(verdict.regression),
    report: reportPath,
  }
  if (extra.commentUrl) outputs['comment-url'] = extra.commentUrl
  if (extra.checkRunUrl) outputs['check-run-url'] = extra.checkRunUrl
  if (extra.artifactDir) outputs['artifact-dir'] = extra.artifactDir
  return outputs
}

export function setOutputs(outputs: ActionOutputs, set: (name: string, value: string) => void): void {
  for (const [name, value] of Object.entries(outputs)) if (value !== undefined) set(name, value)
}

/** Emits annotations as workflow commands (@actions/core, behind ActionsIO, escapes the text). */
export function emitAnnotations(
  annotations: readonly Annotation[],
  sink: Pick<ActionsIO, 'error' | 'warning' | 'notice'>,
): void {
  for (const a of annotations) {
    sink[a.level](a.message, { title: a.title, file: a.path, startLine: a.line })
  }
}
