// What a report from another run may decide, and what this job decides. The
// measurement (verdict, findings, numbers) is the report's; where it is posted,
// under which sticky id, how the step fails and where links point come from this
// job's trusted inputs and event. A report that does not belong to the commit
// being commented on is refused, so a stale or foreign artifact is never posted.
import type { Report } from '../model/report.js'
import { failuresFor, type FailOnWord } from './verdict.js'

export class UntrustedReportError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UntrustedReportError'
  }
}

export interface Expected {
  /** The commit the triggering run measured (workflow_run.head_sha, or the PR's head). */
  headSha?: string
  /** owner/name of this repository. */
  repository?: string
  /** The pull request the comment goes to. */
  pullRequest?: number
}

/** Throws UntrustedReportError when the report was not measured for what is expected. */
export function verifyReport(report: Report, expected: Expected, name: string): void {
  const { meta } = report
  if (expected.headSha) {
    if (!meta.headSha) {
      throw new UntrustedReportError(
        `report ${name} rejected: meta.headSha is missing, so it cannot be matched to commit ${expected.headSha.slice(0, 12)}`,
      )
    }
    if (meta.headSha.toLowerCase() !== expected.headSha.toLowerCase()) {
      throw new UntrustedReportError(
        `report ${name} rejected: it measured commit ${meta.headSha.slice(0, 12)}, but the run being commented on is ${expected.headSha.slice(0, 12)} (a stale or foreign report)`,
      )
    }
  }
  if (
    expected.repository &&
    meta.repository &&
    meta.repository.toLowerCase() !== expected.repository.toLowerCase()
  ) {
    throw new UntrustedReportError(
      `report ${name} rejected: it was measured for ${meta.repository}, not ${expected.repository}`,
    )
  }
  if (
    expected.pullRequest !== undefined &&
    meta.pullRequest !== undefined &&
    meta.pullRequest !== expected.pullRequest
  ) {
    throw new UntrustedReportError(
      `report ${name} rejected: it was measured for pull request #${meta.pullRequest}, not #${expected.pullRequest}`,
    )
  }
}

export interface Trusted {
  commentId: string
  failOn: FailOnWord[]
  serverUrl: string
  repository?: string
}

/** The report with this job's decisions in place of the artifact's. */
export function withTrustedFields(report: Report, trusted: Trusted): Report {
  return {
    ...report,
    meta: {
      ...report.meta,
      commentId: trusted.commentId,
      failOn: [...trusted.failOn],
      serverUrl: trusted.serverUrl,
      repository: trusted.repository ?? report.meta.repository,
    },
    failures: failuresFor(report.analysis.verdict, trusted.failOn, report.analysis),
  }
}
