// What the runner tells us about this run, read from the environment when asked
// (never at import time), so tests can run the action against any event file.
import { readFileSync } from 'node:fs'

export interface RunContext {
  owner?: string
  repo?: string
  eventName?: string
  pullRequest?: { number: number; baseSha: string; headSha: string; baseRef?: string }
  workspace: string
  job?: string
  runId?: string
  serverUrl: string
  apiUrl: string
}

export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  const context: RunContext = {
    owner: owner || undefined,
    repo: repo || undefined,
    eventName: env.GITHUB_EVENT_NAME,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    job: env.GITHUB_JOB,
    runId: env.GITHUB_RUN_ID,
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
  }
  if (env.GITHUB_EVENT_PATH) {
    let event: { pull_request?: Record<string, unknown>; repository?: { full_name?: string } }
    try {
      event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'))
    } catch (error) {
      throw new Error(
        `GITHUB_EVENT_PATH: cannot read the event payload ${env.GITHUB_EVENT_PATH}: ${(error as Error).message}`,
      )
    }
    const pr = event.pull_request as
      { number?: number; base?: { sha?: string; ref?: string }; head?: { sha?: string } } | undefined
    if (pr && typeof pr.number === 'number' && pr.base?.sha) {
      context.pullRequest = {
        number: pr.number,
        baseSha: pr.base.sha,
        headSha: pr.head?.sha ?? '',
        baseRef: pr.base.ref,
      }
    }
    if (!context.owner && event.repository?.full_name) {
      const [o, r] = event.repository.full_name.split('/')
      context.owner = o
      context.repo = r
    }
  }
  return context
}
