// The build step: base's worktree, the load as the requests file gives it, and
// both binaries, built side by side, all before anything is measured (build CPU
// must not overlap a measurement).
import { join } from 'node:path'
import { buildSide, type BuiltSide } from '../build/go-build.js'
import { addBaseWorktree, type BaseTree } from '../build/worktree.js'
import type { LoadRequest } from '../load/requests.js'
import { readRequestsFile } from '../load/requests-file.js'
import type { Inputs } from './inputs.js'
import type { SideName } from '../model/sides.js'
import type { Sandbox } from '../sandbox/sandbox.js'
import { assertNoRunnerSecret } from '../service/service-env.js'
import type { PipelineContext } from './pipeline-context.js'

export interface BuiltSides {
  built: Partial<Record<SideName, BuiltSide>>
  /** Base's worktree, to remove at the end of the run. */
  baseTree?: BaseTree
  requests: LoadRequest[]
  /** Where the load came from, when the requests file gave it. */
  requestsNote?: string
}

/** Every text a request sends, with what to call it, to check none holds a runner secret. */
function requestTexts(requests: LoadRequest[]): [string, string][] {
  return requests.flatMap((r, i): [string, string][] => [
    [`request ${i + 1}'s path`, r.path],
    ...(r.body === undefined ? [] : [[`request ${i + 1}'s body`, r.body] as [string, string]]),
    ...(r.headers ?? []).map(([n, v]): [string, string] => [`request ${i + 1}'s ${n} header`, v]),
  ])
}

/**
 * Builds every side into binDir. `onBaseTree` hears of base's worktree as soon as it
 * exists, so the caller removes it even when a build after it fails.
 */
export async function buildSides(
  inputs: Inputs,
  ctx: PipelineContext,
  sides: readonly SideName[],
  sandbox: Sandbox,
  binDir: string,
  onBaseTree: (tree: BaseTree) => void,
): Promise<BuiltSides> {
  const { log } = ctx
  const result: BuiltSides = { built: {}, requests: inputs.requests }
  if (ctx.baseRef) {
    result.baseTree = await addBaseWorktree(ctx.workspace, ctx.baseRef, log.info)
    onBaseTree(result.baseTree)
    log.info(`base: ${ctx.baseRef} at ${result.baseTree.sha.slice(0, 12)} in ${result.baseTree.dir}`)
  }
  if (inputs.requestsFile) {
    const fromFile = readRequestsFile(inputs.requestsFile, {
      base: result.baseTree?.dir,
      head: ctx.workspace,
    })
    assertNoRunnerSecret('requests-file', requestTexts(fromFile.requests), ctx.forbiddenValues ?? [])
    const requests = fromFile.requests
    result.requests = requests
    result.requestsNote =
      `The load is ${inputs.requestsFile} as ${fromFile.side} has it (${requests.length} ` +
      `${requests.length === 1 ? 'request' : 'requests'})` +
      (fromFile.side === 'head' ? ': base has no such file.' : ', so the PR cannot change its own load.')
    log.info(result.requestsNote)
  }
  // Side by side: the builds are the only CPU-bound work before the first measurement, and
  // nothing is measured until both are done. A failed build waits for the other to end.
  const builds = await Promise.allSettled(
    sides.map(async (side) => {
      const b = await buildSide({
        side,
        treeDir: side === 'base' ? result.baseTree!.dir : ctx.workspace,
        workingDirectory: inputs.workingDirectory,
        package: inputs.package,
        buildCommand: inputs.buildCommand,
        binary: join(binDir, `${side}.bin`),
        signal: ctx.signal,
        sandbox,
        log: log.info,
      })
      log.info(`${side}: built ${inputs.package} (${b.modulePath}) in ${(b.durationMs / 1000).toFixed(1)}s`)
      return [side, b] as const
    }),
  )
  // Base's failure first, as the sides are listed.
  const failed = builds.find((b) => b.status === 'rejected')
  if (failed) throw failed.reason
  for (const b of builds) if (b.status === 'fulfilled') result.built[b.value[0]] = b.value[1]
  return result
}
