// The action: read inputs and the event, run the pipeline, publish. The one error boundary.
import * as core from '@actions/core'
import { join } from 'node:path'
import { oneLine } from './errors.js'
import { readRunContext, type RunContext } from './github/context.js'
import { publish } from './publish.js'
import { readInputs, type InputName, type Inputs } from './inputs.js'
import { runPipeline, type Logger } from './pipeline.js'

const actionsLogger: Logger = {
  info: (line) => core.info(line),
  warn: (line) => core.warning(line),
  group: (title, fn) => core.group(title, fn),
}

/** Default sticky-comment id: one comment per job and package, so a matrix keeps one each. */
export function defaultCommentId(context: RunContext, inputs: Inputs): string {
  return `${context.job ?? 'memleak'}:${inputs.workingDirectory}:${inputs.package}`.replace(/[^\w./:-]/g, '_')
}

export async function run(): Promise<void> {
  try {
    const token = core.getInput('github-token')
    if (token) core.setSecret(token)
    const inputs = readInputs((name: InputName) => core.getInput(name))
    const context = readRunContext(process.env)
    const baseRef = inputs.baseRef || context.pullRequest?.baseSha
    if (!baseRef)
      core.info(
        'No base to compare against (not a pull request and no base-ref): checking head for leaks only.',
      )
    const commentId = inputs.commentId || defaultCommentId(context, inputs)

    const controller = new AbortController()
    const deadline = setTimeout(
      () =>
        controller.abort(new Error(`timeout: the run took longer than ${core.getInput('timeout') || '15m'}`)),
      inputs.timeoutMs,
    )
    try {
      const result = await runPipeline(inputs, {
        workspace: context.workspace,
        baseRef,
        headSha: context.pullRequest?.headSha || process.env.GITHUB_SHA,
        repository: context.owner && context.repo ? `${context.owner}/${context.repo}` : undefined,
        pullRequest: context.pullRequest?.number,
        outDir: join(
          process.env.RUNNER_TEMP || join(context.workspace, '.memleak'),
          `memleak-${commentId.replace(/[^\w.-]/g, '_')}`,
        ),
        commentId,
        serverUrl: context.serverUrl,
        log: actionsLogger,
        signal: controller.signal,
      })
      await publish(result, { inputs, context, token, commentId })
    } finally {
      clearTimeout(deadline)
    }
  } catch (error) {
    // A build failure carries the compiler's output: show it, then fail with the first line.
    const text = error instanceof Error ? error.message : String(error)
    const [first, ...rest] = text.split('\n')
    if (rest.length > 0) core.info(rest.join('\n'))
    core.setFailed(oneLine(first))
  }
}
