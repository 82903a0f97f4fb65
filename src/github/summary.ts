// The job summary (the run's page, kept even when the comment cannot be posted)
// and the step's outputs.
import { appendFile, stat } from 'node:fs/promises'
import * as core from '@actions/core'
import type { Annotation } from './annotations.js'
import { renderMarkdown } from '../report/markdown.js'
import type { Report } from '../report/types.js'

/** GitHub drops a step summary larger than this. */
export const MAX_SUMMARY_BYTES = 1024 * 1024

export interface SummaryResult {
  written: boolean
  /** Where it went; undefined outside a runner (no GITHUB_STEP_SUMMARY). */
  path?: string
  bytes: number
}

/**
 * Appends the report to the step summary, rendered to fit what is left of its
 * 1 MiB (another call in the same step may have written before).
 */
export async function writeJobSummary(
  report: Report,
  opts: { artifactUrl?: string; path?: string } = {},
): Promise<SummaryResult> {
  const path = opts.path ?? process.env.GITHUB_STEP_SUMMARY
  if (!path) return { written: false, bytes: 0 }
  const used = await stat(path).then(
    (s) => s.size,
    () => 0,
  )
  // A little room for the separating newline.
  const budget = MAX_SUMMARY_BYTES - used - 16
  if (budget < 1024) return { written: false, path, bytes: 0 }
  const markdown = renderMarkdown(report, {
    artifactUrl: opts.artifactUrl,
    maxChars: budget,
    maxBytes: budget,
  })
  const text = (used > 0 ? '\n' : '') + markdown
  await appendFile(path, text, 'utf8')
  return { written: true, path, bytes: Buffer.byteLength(text) }
}

export interface ActionOutputs {
  leak: string
  'new-leak': string
  regression: string
  report: string
  'comment-url'?: string
}

/** The action's outputs, as strings, from the report. */
export function outputsFor(report: Report, reportPath: string, commentUrl?: string): ActionOutputs {
  const v = report.analysis.verdict
  const outputs: ActionOutputs = {
    leak: String(v.leak),
    'new-leak': String(v.newLeak),
    regression: String(v.regression),
    report: reportPath,
  }
  if (commentUrl) outputs['comment-url'] = commentUrl
  return outputs
}

export function setOutputs(
  outputs: ActionOutputs,
  set: (name: string, value: string) => void = core.setOutput,
): void {
  for (const [name, value] of Object.entries(outputs)) if (value !== undefined) set(name, value)
}

/** Emits annotations as workflow commands (core escapes the text). */
export function emitAnnotations(
  annotations: readonly Annotation[],
  sink: Pick<typeof core, 'error' | 'warning' | 'notice'> = core,
): void {
  for (const a of annotations) {
    sink[a.level](a.message, { title: a.title, file: a.path, startLine: a.line })
  }
}
