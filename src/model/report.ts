// The JSON report: the one model both renderings (Markdown, JSON) come from.
import type { Analysis } from './analysis.js'
import type { SideName, StopReason } from './sides.js'

/** 2: leaks head fixed (analysis.fixed), each finding's harm (details.harmPerRequest). */
export const REPORT_SCHEMA_VERSION = 2

/** One side's part of the run's time, and why its measured load ended. */
export interface SideTiming {
  side: SideName
  startMs: number
  warmupMs: number
  measuredMs: number
  settleMs: number
  /** Absent on the fixed schedule (stop-early: false). */
  stop?: { reason: StopReason; why: string }
}

/** What the run cost, phase by phase (issue 16). */
export interface RunTiming {
  /** Both builds (run side by side), base's worktree included. */
  buildMs: number
  /** In the order measured; the self-check last when there was one. */
  sides: SideTiming[]
  /** Decoding and analysing, after every side was measured. */
  analysisMs: number
  /** From the start of the run to the finished analysis. */
  totalMs: number
}

export interface ReportMeta {
  /** "owner/name" when known. */
  repository?: string
  pullRequest?: number
  baseSha?: string
  headSha?: string
  /** The Go package measured, as given (e.g. ./cmd/api). */
  package: string
  workingDirectory: string
  modulePath: string
  /** Load as configured. */
  requests: string[]
  durationMs: number
  warmupMs: number
  connections: number
  snapshots: number
  regressionThreshold: number
  failOn: string[]
  goVersion?: string
  platform: string
  generatedAt: string
  /** Identifies the sticky comment (several services in one PR each keep their own). */
  commentId: string
  /**
   * Absolute directories that hold a checkout of the repository (head's workspace,
   * base's worktree): pprof's absolute file paths under them are shown repository-relative.
   */
  sourceRoots?: string[]
  /** e.g. https://github.com: with repository and headSha, locations link to the PR's files. */
  serverUrl?: string
  /** Sides stopped when their answer was known (stop-early); durationMs was then the longest. */
  stopEarly?: boolean
  /** With stopEarly: the min-leak input, bytes per request. */
  minLeak?: number
  /** The rate input: requests per second for the whole load, when capped. */
  rate?: number
  /** Bytes per heap sample the services ran with (the memprofilerate input). */
  memProfileRate?: number
  /** The requests-file input: the load came from this file, as base has it. */
  requestsFile?: string
  /**
   * Names of the headers input's headers, never their values: those may be secrets, so
   * "Reproduce locally" asks for them instead (a request file's come with the file).
   */
  headerNames?: string[]
  timing?: RunTiming
}

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION
  tool: { name: 'memleak-action'; version: string }
  meta: ReportMeta
  analysis: Analysis
  /** Outcome under fail-on: empty when the step passes. */
  failures: string[]
}
