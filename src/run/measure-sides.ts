// The measure step: each side in its own sandbox scope, after the workflow's
// setup-command, one after the other; then head again as its own base when the
// self-check is asked for. A side's files are written as soon as it is measured,
// so a later failure loses nothing.
import { join } from 'node:path'
import { lastLines, runCommand } from '../build/command.js'
import type { BuiltSide } from '../build/go-build.js'
import { measureSide } from '../capture/side.js'
import { listenUrlFor, type LoadRequest } from '../load/requests.js'
import { oneLine, UsageError } from '../model/errors.js'
import type { Inputs } from './inputs.js'
import { RUN_ALPHA } from '../model/analysis.js'
import type { SideMeasurement, SideName, SideOutcome } from '../model/sides.js'
import type { Sandbox } from '../sandbox/sandbox.js'
import { expandPort, serviceEnvironment } from '../service/service-env.js'
import { isPortInUse, PortInUseError } from '../service/port.js'
import type { PipelineContext } from './pipeline-context.js'
import { defaultMemoryLimit } from './input-values.js'
import { comparisonWindows, stopRuleFor } from './stop-rule.js'
import { writeMeasurement } from './write.js'

export interface MeasuredSides {
  outcomes: Partial<Record<SideName, SideOutcome>>
  /** Head measured a second time (A/A), when asked for and head was measured whole. */
  selfCheck?: SideMeasurement
  /** The MemProfileRate in force: the user's own GODEBUG setting wins. */
  memProfileRate: number
}

/** The service's runtime settings, arguments and listener, the same for every side. */
function serviceSettings(inputs: Inputs, requests: LoadRequest[], sandbox: Sandbox) {
  const runtimeExtra: Record<string, string> = { ...inputs.env }
  // A memprofilerate the user put in GODEBUG themselves wins; the analysis must know the rate in force.
  const userRate = /(?:^|,)memprofilerate=(\d+)/.exec(runtimeExtra.GODEBUG ?? '')
  const memProfileRate = userRate ? Number(userRate[1]) : inputs.memProfileRate
  if (!userRate) {
    runtimeExtra.GODEBUG = [runtimeExtra.GODEBUG, `memprofilerate=${memProfileRate}`]
      .filter(Boolean)
      .join(',')
  }
  for (const [name, value] of Object.entries(runtimeExtra))
    runtimeExtra[name] = expandPort(value, inputs.port)
  const args = inputs.args.map((a) => expandPort(a, inputs.port))
  // Besides pprof, the service's own listener: the first request's route, or pprof's index when
  // ready-url names the service's own readiness route (then pprof is what is left to wait for).
  const listenUrl = inputs.readyUrlGiven
    ? `${inputs.pprofUrl}/`
    : listenUrlFor(requests[0]!, `http://127.0.0.1:${inputs.port}`)
  // In the sandbox the service's home and temp dir are its own (it cannot write ours anyway).
  const sandboxDirs: Record<string, string> = sandbox.home
    ? {
        HOME: sandbox.home,
        TMPDIR: join(sandbox.home, 'tmp'),
        TMP: join(sandbox.home, 'tmp'),
        TEMP: join(sandbox.home, 'tmp'),
        USER: sandbox.user!.name,
      }
    : {}
  return { runtimeExtra, memProfileRate, args, listenUrl, sandboxDirs }
}

/**
 * A side that could not start says which side, once. Not a busy port (the same
 * for both sides), not an input error, and not an interrupt or the deadline.
 */
function namedForSide(error: unknown, side: SideName, signal?: AbortSignal): unknown {
  if (signal?.aborted || !(error instanceof Error)) return error
  if (error instanceof UsageError || error instanceof PortInUseError) return error
  if (!error.message.startsWith(`${side}:`)) error.message = `${side}: ${error.message}`
  return error
}

/** The workflow's own setup-command before a side: trusted, run as the runner's user with its environment. */
async function runSetup(inputs: Inputs, ctx: PipelineContext, role: string): Promise<void> {
  const started = Date.now()
  const result = await runCommand('sh', ['-c', inputs.setupCommand], {
    cwd: ctx.workspace,
    env: {
      ...(process.env as Record<string, string>),
      MEMLEAK_SIDE: role.split(' ')[0]!,
      PORT: String(inputs.port),
    },
    timeoutMs: inputs.timeoutMs,
    signal: ctx.signal,
  })
  ctx.signal?.throwIfAborted()
  if (result.output.trim()) ctx.log.info(result.output.trimEnd())
  if (result.code !== 0) {
    throw new Error(
      `setup-command failed before ${role} (exit ${result.code ?? 'by a signal'}):\n${lastLines(result.output, 30)}`,
    )
  }
  ctx.log.info(`setup-command done before ${role} in ${((Date.now() - started) / 1000).toFixed(1)}s`)
}

/**
 * After a side: nothing of the sandbox alive, the port free again. Otherwise the
 * side fails naming what survived (a process that outlives its side could write
 * the runner's files after we wrote ours, or answer the next side's requests).
 */
async function assertSideGone(
  side: string,
  killAll: () => Promise<string[]>,
  port: number | undefined,
): Promise<void> {
  const left = await killAll()
  if (left.length > 0) throw new Error(`${side}: still alive after the side ended: ${left.join(', ')}`)
  for (let i = 0; port !== undefined && (await isPortInUse(port)); i++) {
    if (i === 20) throw new Error(`${side}: port ${port} is still in use after the side ended and was killed`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** What measureSide is told for one side (or the self-check): the inputs, the settings, this side's build and scope. */
function sideOptions(
  inputs: Inputs,
  ctx: PipelineContext,
  settings: ReturnType<typeof serviceSettings>,
  one: {
    side: SideName
    role: string
    dirName: string
    built: BuiltSide
    env: Record<string, string>
    scope: Awaited<ReturnType<Sandbox['scope']>>
    requests: LoadRequest[]
    /** The side compared against, for head's plan of the comparison (base, or head for the self-check). */
    baseWindows?: number[]
  },
): Parameters<typeof measureSide>[0] {
  const { side, role, dirName, built: b, env, scope, requests } = one
  const stopping = {
    alpha: RUN_ALPHA,
    minLeak: inputs.minLeak,
    regressionThreshold: inputs.regressionThreshold,
    maxDurationMs: inputs.durationMs,
    memProfileRate: settings.memProfileRate,
    // Stopped short of the sandbox's limit (or of half the machine), head is reported on what it measured.
    memoryBudgetBytes: Math.floor(0.8 * (inputs.memoryLimit ?? defaultMemoryLimit())),
  }
  return {
    side,
    binary: b.binary,
    args: settings.args,
    cwd: b.serviceDir,
    env,
    scope,
    port: inputs.port,
    pprofUrl: inputs.pprofUrl,
    readyUrl: inputs.readyUrl,
    listenUrl: settings.listenUrl,
    readyTimeoutMs: inputs.readyTimeoutMs,
    requests,
    headers: inputs.headers,
    ...(inputs.rate ? { rate: inputs.rate } : {}),
    connections: inputs.connections,
    warmupMs: inputs.warmupMs,
    durationMs: inputs.durationMs,
    snapshots: inputs.snapshots,
    ...(inputs.stopEarly
      ? { stopRule: stopRuleFor(role === 'base' ? 'base' : 'head', stopping, one.baseWindows) }
      : {}),
    // Whole seconds, at most half the measured load, so the trace never covers a snapshot window whole.
    traceSeconds: role === 'head' ? Math.floor(Math.min(inputs.traceSeconds, inputs.durationMs / 2000)) : 0,
    workDir: join(ctx.outDir, dirName),
    signal: ctx.signal,
  }
}

/** Measures every side in turn (a stop ends the turn), then the self-check. */
export async function measureSides(
  inputs: Inputs,
  ctx: PipelineContext,
  sides: readonly SideName[],
  built: Partial<Record<SideName, BuiltSide>>,
  requests: LoadRequest[],
  sandbox: Sandbox,
): Promise<MeasuredSides> {
  const { log } = ctx
  const settings = serviceSettings(inputs, requests, sandbox)
  const measureOne = async (side: SideName, role: string, baseWindows?: number[]): Promise<SideOutcome> => {
    const b = built[side]!
    // The workflow's own command, before the PR's service starts (and outside its scope).
    if (inputs.setupCommand) await log.group(`Setup ${role}`, () => runSetup(inputs, ctx, role))
    const dirName = role === 'head (self-check)' ? 'self-check' : side
    const scope = await sandbox.scope(`${dirName}-service`)
    const env = serviceEnvironment(process.env, settings.runtimeExtra, inputs.port)
    for (const [k, v] of Object.entries(settings.sandboxDirs)) if (!(k in inputs.env)) env[k] = v
    // A port busy before the side started is that error's to report, not a survivor of the side.
    let portWasBusy = false
    try {
      return await log.group(`Measure ${role}`, () =>
        measureSide(
          sideOptions(inputs, ctx, settings, {
            side,
            role,
            dirName,
            built: b,
            env,
            scope,
            requests,
            ...(baseWindows ? { baseWindows } : {}),
          }),
          log.info,
        ),
      )
    } catch (error) {
      portWasBusy = error instanceof PortInUseError
      throw error
    } finally {
      try {
        await assertSideGone(side, () => scope.killAll(), portWasBusy ? undefined : inputs.port)
      } finally {
        await scope.dispose()
      }
    }
  }

  const outcomes: Partial<Record<SideName, SideOutcome>> = {}
  for (const side of sides) {
    if (ctx.signal?.aborted) break
    // Stopped from outside while starting: nothing of this side to keep; the sides after it are not started.
    // Head plans its comparison against what base measured (a crashed base is not compared against).
    const base = outcomes.base?.kind === 'measured' ? outcomes.base.measurement : undefined
    const baseWindows = side === 'head' && base ? comparisonWindows(base.snapshots) : undefined
    const outcome = await measureOne(side, side, baseWindows).catch((error: unknown) => {
      if (ctx.signal?.aborted) return undefined
      throw namedForSide(error, side, ctx.signal)
    })
    if (!outcome) continue
    // A crash under load is a finding, not the end of the run: what was measured is kept.
    if (outcome.kind === 'crashed') log.warn(oneLine(outcome.crash.message.split('\n')[0]))
    outcomes[side] = outcome
    if (outcome.measurement) await writeMeasurement(join(ctx.outDir, side), outcome.measurement, log)
  }
  // Self-check: head measured a second time as its own base (A/A); what differs is noise.
  const head = outcomes.head
  const selfCheck =
    inputs.selfCheck && head?.measurement && head.kind !== 'crashed' && !ctx.signal?.aborted
      ? await measureOne('head', 'head (self-check)', comparisonWindows(head.measurement.snapshots)).catch(
          (error: unknown) => {
            // A stop during the A/A run leaves the real measurement whole: report it without the check.
            if (ctx.signal?.aborted) return undefined
            throw error
          },
        )
      : undefined
  // A crash of the A/A run is the run's failure, as any other; a stop of it was handled above.
  if (selfCheck?.kind === 'crashed') throw selfCheck.crash
  return {
    outcomes,
    ...(selfCheck?.kind === 'measured' ? { selfCheck: selfCheck.measurement } : {}),
    memProfileRate: settings.memProfileRate,
  }
}
