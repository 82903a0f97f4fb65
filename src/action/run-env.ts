// What every mode is given: the validated inputs, the run's context, the token.
import type { RunContext } from '../github/run-context.js'
import { createOctokit, type GitHubClient } from '../github/octokit.js'
import type { ActionInputs, Inputs } from '../run/inputs.js'
import type { PublishTarget } from '../github/publish.js'
import type { ActionsIO } from '../github/actions-io.js'

export interface ActionRun {
  inputs: Inputs
  action: ActionInputs
  context: RunContext
  token: string
  /** This job's sticky comment id (input, or derived from the job and the package). */
  commentId: string
}

/** The API client, or why there is none. Created only by modes that use the API. */
export function apiFor(env: ActionRun, io: ActionsIO): Pick<PublishTarget, 'api' | 'noApiReason'> {
  const { context, token } = env
  if (!context.owner || !context.repo) return { noApiReason: 'No repository (GITHUB_REPOSITORY is unset)' }
  if (!token) return { noApiReason: 'No github-token' }
  const octokit: GitHubClient = createOctokit(token, {
    baseUrl: context.apiUrl,
    log: { debug: io.debug, info: io.info, warn: io.warning, error: io.error },
    mask: io.setSecret,
  })
  return { api: { octokit, owner: context.owner, repo: context.repo } }
}
