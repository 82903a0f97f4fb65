// The whole job, shared by the action (main.ts) and the CLI (cli.ts), one way:
// build both sides, measure each under load, decode, analyse, write the report.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyse } from './analysis/analyse.js'
import type { BaseTree } from './build/worktree.js'
import type { Inputs } from './run/inputs.js'
import { RUN_ALPHA } from './model/analysis.js'
import type { Report } from './model/report.js'
import type { SideName } from './model/sides.js'
import { oneLine } from './model/errors.js'
import { decodeOutcome, decodeSide } from './profile/decode-side.js'
import { renderMarkdown } from './report/markdown.js'
import { buildSides } from './run/build-sides.js'
import type { PipelineContext } from './run/pipeline-context.js'
import { measureSides } from './run/measure-sides.js'
import { RunStoppedError } from './run/run-control.js'
import { reportMeta, reportOf, runTiming, writeReport } from './run/write.js'
import { createSandbox } from './sandbox/sandbox.js'
import { assertNoRunnerSecret } from './service/service-env.js'
import { capLog } from './service/log-cap.js'

export type { Logger, PipelineContext } from './run/pipeline-context.js'

export interface PipelineResult {
  report: Report
  markdown: string
  reportPath: string
  /**
   * Set when the run was stopped (the deadline, a cancelled job) after some side had a
   * snapshot: the report is partial and says so; the run fails with this reason.
   */
  stopped?: Error
}

function stopReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))
}

export async function runPipeline(inputs: Inputs, ctx: PipelineContext): Promise<PipelineResult> {
  const { log } = ctx
  const forbidden = ctx.forbiddenValues ?? []
  assertNoRunnerSecret('env', Object.entries(inputs.env), forbidden)
  assertNoRunnerSecret('headers', inputs.headers, forbidden)
  await rm(ctx.outDir, { recursive: true, force: true })
  await mkdir(ctx.outDir, { recursive: true })
  const sides: SideName[] = ctx.baseRef ? ['base', 'head'] : ['head']
  let baseTree: BaseTree | undefined
  const sandbox = ctx.sandbox ?? (await createSandbox({ memoryLimit: inputs.memoryLimit }))
  // Said once, here and in the report: without isolation the PR's code could read the token.
  if (sandbox.isolated) log.info(sandbox.description)
  else log.warn(sandbox.description)
  // Binaries live outside outDir, which is uploaded as the artifact as it is; in the
  // sandbox's directory when there is one, so the sandbox user can run them.
  const binDir = sandbox.isolated
    ? await sandbox.readOnlyDir('bin')
    : await mkdtemp(join(tmpdir(), 'memleak-bin-'))
  const runStart = Date.now()
  try {
    const build = await log.group('Build', () =>
      buildSides(inputs, ctx, sides, sandbox, binDir, (tree) => (baseTree = tree)),
    )
    const { requests, requestsNote } = build
    const buildMs = Date.now() - runStart
    const measured = await measureSides(inputs, ctx, sides, build.built, requests, sandbox)
    const { outcomes } = measured
    // Nothing measured before the stop: the stop is the whole story, in one line.
    if (ctx.signal?.aborted && !outcomes.base?.measurement && !outcomes.head?.measurement) {
      throw stopReason(ctx.signal)
    }
    const stopped = ctx.signal?.aborted ? stopReason(ctx.signal) : undefined

    // Only now, with every service stopped, decode and analyse.
    const analysisStart = Date.now()
    const modulePath = build.built.head!.modulePath
    const decodeOptions = { maxProfileBytes: inputs.maxProfileBytes }
    const head = outcomes.head && decodeOutcome(outcomes.head, decodeOptions)
    const base = outcomes.base && decodeOutcome(outcomes.base, decodeOptions)
    if (measured.selfCheck) capLog(measured.selfCheck.logPath)
    const selfCheck =
      measured.selfCheck && head?.measurement ? decodeSide(measured.selfCheck, decodeOptions) : undefined
    const analysis = analyse(
      {
        sides,
        ...(base ? { base } : {}),
        ...(head ? { head } : {}),
        ...(selfCheck ? { selfCheck } : {}),
        ...(stopped
          ? { stopped: stopped instanceof RunStoppedError ? stopped.summary : oneLine(stopped) }
          : {}),
        ...(sandbox.isolated ? {} : { sandboxNote: `${sandbox.description}.` }),
        ...(requestsNote ? { requestsNote } : {}),
      },
      {
        modulePath,
        regressionThreshold: inputs.regressionThreshold,
        alpha: RUN_ALPHA,
        memProfileRate: measured.memProfileRate,
      },
    )

    const timing = runTiming(outcomes, {
      buildMs,
      analysisMs: Date.now() - analysisStart,
      totalMs: Date.now() - runStart,
    })
    const meta = await reportMeta(inputs, ctx, {
      timing,
      sides,
      modulePath,
      requests,
      baseTree: build.baseTree,
      sandboxRoot: sandbox.root,
    })
    const report = reportOf(analysis, meta, inputs, stopped)
    const reportPath = await writeReport(ctx.outDir, report)
    return {
      report,
      markdown: renderMarkdown(report, { artifactUrl: ctx.artifactUrl }),
      reportPath,
      ...(stopped ? { stopped } : {}),
    }
  } finally {
    await baseTree?.remove()
    await rm(binDir, { recursive: true, force: true })
    if (!ctx.sandbox) await sandbox.dispose()
  }
}
