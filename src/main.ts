// The action: read inputs and the event, run the mode, publish. The one error boundary.
import * as core from '@actions/core'
import { oneLine } from './model/errors.js'
import { inert } from './github/echo.js'
import { readRunContext, type RunContext } from './github/context.js'
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

/** Default sticky-comment id: one comment per job and package, so a matrix keeps one each. */
export function defaultCommentId(context: RunContext, inputs: Inputs): string {
  return `${context.job ?? 'memleak'}:${inputs.workingDirectory}:${inputs.package}`.replace(/[^\w./:-]/g, '_')
}

export async function run(): Promise<void> {
  try {
    const token = core.getInput('github-token')
    if (token) core.setSecret(token)
    const action = readActionInputs((name: ActionInputName) => core.getInput(name))
    const inputs = readInputs((name: InputName) => core.getInput(name))
    // Before anything can print them: what the workflow gives the service may well be secrets.
    for (const value of valuesToMask(inputs)) core.setSecret(value)
    const context = readRunContext(process.env)
    const env = {
      inputs,
      action,
      context,
      token,
      commentId: inputs.commentId || defaultCommentId(context, inputs),
    }
    if (action.mode === 'full' || action.mode === 'analyze') await runMeasure(env)
    else await runFromReports(env)
  } catch (error) {
    // A build failure carries the compiler's output: show it, then fail with the first line.
    const text = error instanceof Error ? error.message : String(error)
    const [first, ...rest] = text.split('\n')
    // The rest is the compiler's or the service's own words: printed inert.
    if (rest.length > 0) core.info(inert(rest.join('\n')))
    core.setFailed(oneLine(first))
  }
}
