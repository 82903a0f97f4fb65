// One pull request run of the bundled action on a fixture repository, with the
// checks every e2e run shares: nothing left running, the token never printed.
import { expect } from 'vitest'
import { readFileSync } from 'node:fs'
import type { Report } from '../../src/model/report.js'
import type { GitHubApi } from './github-api.js'
import { makeFixtureRepo, type FixtureRepo, type SideSpec } from './fixture-repo.js'
import { freePort, processesMentioning, runAction, type ActionRun } from './run-action.js'

export const TOKEN = 'ghs_e2eSECRETtoken'
export const SHORT_LOAD = {
  requests: 'GET /time',
  warmup: '1s',
  duration: '4s',
  snapshots: '4',
  connections: '8',
}

export interface PrRun extends ActionRun {
  repo: FixtureRepo
  report: Report
  comment: string
}

export async function prRun(
  api: GitHubApi,
  base: string | SideSpec,
  head: string | SideSpec,
  number: number,
  inputs: Record<string, string> = {},
): Promise<PrRun> {
  const repo = makeFixtureRepo(base, head)
  try {
    const run = await prRunOn(api, repo, number, inputs)
    const comments = api.comments('octo', 'service', number)
    expect(comments).toHaveLength(1)
    return { ...run, comment: comments[0].body }
  } finally {
    repo.remove()
  }
}

/** One run on a repository the caller keeps (several pushes to one PR); its head is `repo.headSha`. */
export async function prRunOn(
  api: GitHubApi,
  repo: FixtureRepo,
  number: number,
  inputs: Record<string, string> = {},
): Promise<ActionRun & { repo: FixtureRepo; report: Report }> {
  const run = await runAction({
    workspace: repo.dir,
    apiUrl: api.url,
    pullRequest: { number, baseSha: repo.baseSha, headSha: repo.headSha },
    inputs: {
      package: './cmd/api',
      port: String(await freePort()),
      'github-token': TOKEN,
      ...SHORT_LOAD,
      ...inputs,
    },
  })
  expect(processesMentioning(repo.dir)).toEqual([])
  expect(processesMentioning(run.runnerTemp)).toEqual([])
  const printed = (run.stderr + run.stdout).replace(/^::add-mask::.*$/gm, '')
  expect(printed).not.toContain(TOKEN)
  expect(run.outputs.report, `no report output; stdout:\n${run.stdout.slice(-3000)}`).toBeTruthy()
  const report = JSON.parse(readFileSync(run.outputs.report, 'utf8')) as Report
  return { ...run, repo, report }
}
