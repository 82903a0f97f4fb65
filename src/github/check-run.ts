// The optional check run: the verdict as its own status on the PR's head commit,
// with the report as its summary and the annotations on the PR's lines. Needs
// `checks: write`; a token without it is an expected outcome, reported, never thrown.
import type { Octokit } from '@octokit/core'
import type { Annotation } from './annotations.js'
import { readOnlyResult, type ReadOnlyResult } from './comment.js'

/** GitHub's limits on a check run's output. */
export const MAX_CHECK_SUMMARY = 65_535
export const MAX_CHECK_TITLE = 255
/** Annotations per create or update request. */
export const ANNOTATIONS_PER_REQUEST = 50

export interface CheckRunInput {
  owner: string
  repo: string
  name: string
  headSha: string
  conclusion: 'success' | 'failure'
  title: string
  /** Markdown; cut at MAX_CHECK_SUMMARY when longer (callers render within it). */
  summary: string
  annotations: readonly Annotation[]
  detailsUrl?: string
}

export type CheckRunResult =
  { action: 'created'; id: number; url?: string; annotations: number } | ReadOnlyResult

interface CheckAnnotation {
  path: string
  start_line: number
  end_line: number
  annotation_level: 'notice' | 'warning' | 'failure'
  title: string
  message: string
}

function toCheckAnnotation(a: Annotation): CheckAnnotation {
  return {
    path: a.path,
    start_line: a.line,
    end_line: a.line,
    annotation_level: a.level === 'error' ? 'failure' : a.level,
    title: a.title,
    message: a.message,
  }
}

function clip(text: string, max: number): string {
  const chars = Array.from(text)
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text
}

/** Creates a completed check run; annotations past the first 50 follow in updates of 50 each. */
export async function createCheckRun(octokit: Octokit, input: CheckRunInput): Promise<CheckRunResult> {
  const annotations = input.annotations.map(toCheckAnnotation)
  const output = (batch: CheckAnnotation[]) => ({
    title: clip(input.title || input.name, MAX_CHECK_TITLE),
    summary: clip(input.summary, MAX_CHECK_SUMMARY),
    annotations: batch,
  })
  try {
    const res = await octokit.request('POST /repos/{owner}/{repo}/check-runs', {
      owner: input.owner,
      repo: input.repo,
      name: input.name,
      head_sha: input.headSha,
      status: 'completed',
      conclusion: input.conclusion,
      completed_at: new Date().toISOString(),
      ...(input.detailsUrl ? { details_url: input.detailsUrl } : {}),
      output: output(annotations.slice(0, ANNOTATIONS_PER_REQUEST)),
    })
    const id = Number(res.data.id)
    for (let i = ANNOTATIONS_PER_REQUEST; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) {
      await octokit.request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        owner: input.owner,
        repo: input.repo,
        check_run_id: id,
        output: output(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST)),
      })
    }
    return {
      action: 'created',
      id,
      url: typeof res.data.html_url === 'string' ? res.data.html_url : undefined,
      annotations: annotations.length,
    }
  } catch (error) {
    const ro = readOnlyResult(error)
    if (ro) return ro
    throw error
  }
}
