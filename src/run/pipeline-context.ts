// What every step of a run is given: where it runs, how it logs, when it stops.
import type { Sandbox } from '../sandbox/sandbox.js'

export interface Logger {
  info(line: string): void
  warn(line: string): void
  /** Runs fn inside a collapsible group (the action) or under a heading (the CLI). */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
}

export interface PipelineContext {
  /** Root of the head tree: the workspace. */
  workspace: string
  /** Base commit-ish; undefined on a push: head is checked for leaks alone. */
  baseRef?: string
  headSha?: string
  repository?: string
  pullRequest?: number
  /** Where profiles, logs and the JSON report are written. */
  outDir: string
  commentId: string
  artifactUrl?: string
  /** e.g. https://github.com, so locations in the report link to the PR's files. */
  serverUrl?: string
  log: Logger
  signal?: AbortSignal
  /**
   * Values the service must never get (the GitHub token, the runner's tokens): an `env`
   * value, a header or a request file holding one is refused.
   */
  forbiddenValues?: string[]
  /** Where the PR's code runs; made for the run (createSandbox) when absent, and removed at its end. */
  sandbox?: Sandbox
}
