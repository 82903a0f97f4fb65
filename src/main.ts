// The action: read inputs and the event, run the mode, publish. The one error boundary.
import { oneLine } from './model/errors.js'
import { inert } from './github/echo.js'
import { readRunContext, type RunContext } from './github/run-context.js'
import {
  readActionInputs,
  readInputs,
  type ActionInputName,
  type InputName,
  type Inputs,
} from './run/inputs.js'
import { runFromReports } from './action/comment-mode.js'
import { runMeasure } from './action/measure-mode.js'
import { valuesToMask } from './run/secrets.js'
import { coreIO } from './action/core-io.js'
import { loadArtifactClient } from './github/artifact.js'
import type { ActionsIO } from './github/actions-io.js'

/** Default sticky-comment id: one comment per job and package, so a matrix keeps one each. */
export function defaultCommentId(context: RunContext, inputs: Inputs): string {
  return `${context.job ?? 'memleak'}:${inputs.workingDirectory}:${inputs.package}`.replace(/[^\w./:-]/g, '_')
}

export async function run(io: ActionsIO = coreIO): Promise<void> {
  try {
    const token = io.getInput('github-token')
    if (token) io.setSecret(token)
    const action = readActionInputs((name: ActionInputName) => io.getInput(name))
    const inputs = readInputs((name: InputName) => io.getInput(name))
    // Before anything can print them: what the workflow gives the service may well be secrets.
    for (const value of valuesToMask(inputs)) io.setSecret(value)
    const context = readRunContext(process.env)
    const env = {
      inputs,
      action,
      context,
      token,
      commentId: inputs.commentId || defaultCommentId(context, inputs),
    }
    if (action.mode === 'full' || action.mode === 'analyze') await runMeasure(env, io)
    else await runFromReports(env, loadArtifactClient, io)
  } catch (error) {
    // A build failure carries the compiler's output: show it, then fail with the first line.
    const text = error instanceof Error ? error.message : String(error)
    const [first, ...rest] = text.split('\n')
    // The rest is the compiler's or the service's own words: printed inert.
    if (rest.length > 0) io.info(inert(rest.join('\n')))
    io.setFailed(oneLine(first))
  }
}
