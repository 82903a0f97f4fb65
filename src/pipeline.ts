// The whole job, shared by the action (main.ts) and the CLI (cli.ts):
// build both sides, measure each under load, then decode, analyse and report.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { analyse } from './analysis/analyse.js'
import type { Analysis } from './analysis/types.js'
import { buildSide, goVersion, type BuiltSide } from './build/go-build.js'
import { addBaseWorktree, type BaseTree } from './build/worktree.js'
import { measureSide, MeasurementStoppedError, ServiceCrashedError } from './capture/measure.js'
import { crashFinding } from './crash.js'
import {
  crashOnlyAnalysis,
  partialMeasurement,
  selfCheckNote,
  stoppedNote,
  stoppedOnlyAnalysis,
} from './partial.js'
import { oneLine, UsageError } from './errors.js'
import type { SideMeasurement, SideName } from './capture/types.js'
import type { Inputs } from './inputs.js'
import { renderMarkdown } from './report/markdown.js'
import { toJson } from './report/json.js'
import { REPORT_SCHEMA_VERSION, type Report } from './report/types.js'
import { failuresFor } from './report/verdict.js'
import { assertNoRunnerSecret, expandPort, serviceEnvironment } from './service/env.js'
import { capLog } from './service/log-cap.js'
import { readRequestsFile } from './requests-file.js'
import { listenUrlFor, type LoadRequest } from './load/requests.js'
import { lastLines, runCommand } from './build/command.js'
import { isPortInUse, PortInUseError } from './service/port.js'
import { createSandbox, type Sandbox } from './sandbox/sandbox.js'
import { decodeSide } from './decode-side.js'
import { RunStoppedError } from './run-control.js'
import { VERSION } from './version.js'

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

export interface PipelineResult {
  report: Report
  markdown: string
  reportPath: string
  /** Every file worth keeping as an artifact (profiles, logs, report). */
  files: string[]
  /**
   * Set when the run was stopped (the deadline, a cancelled job) after some side had a
   * snapshot: the report is partial and says so; the run fails with this reason.
   */
  stopped?: Error
}

async function writeMeasurement(dir: string, m: SideMeasurement, log: Logger): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const cut = capLog(m.logPath)
  if (cut > 0)
    log.info(`${m.side}: the service log kept in the artifact is capped: ${cut} bytes cut from its middle`)
  const files: string[] = [m.logPath]
  const put = async (name: string, data: Uint8Array | string): Promise<void> => {
    const path = join(dir, name)
    await writeFile(path, data)
    files.push(path)
  }
  for (const s of [...m.snapshots, m.settled]) {
    await put(`${s.label}.heap.pb.gz`, s.heap)
    if (s.goroutine) await put(`${s.label}.goroutine.pb.gz`, s.goroutine)
  }
  // The last in-run heap profile, named for `go tool pprof -diff_base base.pb.gz head.pb.gz`.
  // (A side that crashed early may have no in-run snapshot left: then the one it took.)
  await put(`../${m.side}.pb.gz`, (m.snapshots[m.snapshots.length - 1] ?? m.settled).heap)
  if (m.goroutineDump) await put('goroutine-debug2.txt', m.goroutineDump)
  if (m.goroutineLeak) await put('goroutineleak.pb.gz', m.goroutineLeak)
  if (m.cpuProfile) await put('cpu.pb.gz', m.cpuProfile)
  if (m.trace) await put('trace.out', m.trace)
  return files
}

/** Measurement problems that make a clean verdict meaningless. */
const INVALIDATING = /requests failed|answered no request|stopped answering/

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

function stopReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))
}

/** Every text a request sends, with what to call it, to check none holds a runner secret. */
function requestTexts(requests: LoadRequest[]): [string, string][] {
  return requests.flatMap((r, i): [string, string][] => [
    [`request ${i + 1}'s path`, r.path],
    ...(r.body === undefined ? [] : [[`request ${i + 1}'s body`, r.body] as [string, string]]),
    ...(r.headers ?? []).map(([n, v]): [string, string] => [`request ${i + 1}'s ${n} header`, v]),
  ])
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

export async function runPipeline(inputs: Inputs, ctx: PipelineContext): Promise<PipelineResult> {
  const { log } = ctx
  const forbidden = ctx.forbiddenValues ?? []
  assertNoRunnerSecret('env', Object.entries(inputs.env), forbidden)
  assertNoRunnerSecret('headers', inputs.headers, forbidden)
  await rm(ctx.outDir, { recursive: true, force: true })
  await mkdir(ctx.outDir, { recursive: true })
  const sides: SideName[] = ctx.baseRef ? ['base', 'head'] : ['head']
  let baseTree: BaseTree | undefined
  let requests = inputs.requests
  let requestsNote: string | undefined
  const sandbox = ctx.sandbox ?? (await createSandbox({ memoryLimit: inputs.memoryLimit }))
  // Said once, here and in the report: without isolation the PR's code could read the token.
  if (sandbox.isolated) log.info(sandbox.description)
  else log.warn(sandbox.description)
  // Binaries live outside outDir, which is uploaded as the artifact as it is; in the
  // sandbox's directory when there is one, so the sandbox user can run them.
  const binDir = sandbox.isolated
    ? await sandbox.readOnlyDir('bin')
    : await mkdtemp(join(tmpdir(), 'memleak-bin-'))
  try {
    // Build both sides before measuring anything: build CPU must not overlap a measurement.
    const built = await log.group('Build', async () => {
      const result: Partial<Record<SideName, BuiltSide>> = {}
      if (ctx.baseRef) {
        baseTree = await addBaseWorktree(ctx.workspace, ctx.baseRef, log.info)
        log.info(`base: ${ctx.baseRef} at ${baseTree.sha.slice(0, 12)} in ${baseTree.dir}`)
      }
      if (inputs.requestsFile) {
        const fromFile = readRequestsFile(inputs.requestsFile, { base: baseTree?.dir, head: ctx.workspace })
        assertNoRunnerSecret('requests-file', requestTexts(fromFile.requests), forbidden)
        requests = fromFile.requests
        requestsNote =
          `The load is ${inputs.requestsFile} as ${fromFile.side} has it (${requests.length} ` +
          `${requests.length === 1 ? 'request' : 'requests'})` +
          (fromFile.side === 'head' ? ': base has no such file.' : ', so the PR cannot change its own load.')
        log.info(requestsNote)
      }
      for (const side of sides) {
        const treeDir = side === 'base' ? baseTree!.dir : ctx.workspace
        const b = await buildSide({
          side,
          treeDir,
          workingDirectory: inputs.workingDirectory,
          package: inputs.package,
          buildCommand: inputs.buildCommand,
          binary: join(binDir, `${side}.bin`),
          signal: ctx.signal,
          sandbox,
          log: log.info,
        })
        log.info(`${side}: built ${inputs.package} (${b.modulePath}) in ${(b.durationMs / 1000).toFixed(1)}s`)
        result[side] = b
      }
      return result
    })

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
    const measureOne = async (side: SideName, role: string): Promise<SideMeasurement> => {
      const b = built[side]!
      // The workflow's own command, before the PR's service starts (and outside its scope).
      if (inputs.setupCommand) await log.group(`Setup ${role}`, () => runSetup(inputs, ctx, role))
      const scope = await sandbox.scope(`${role === 'head (self-check)' ? 'self-check' : side}-service`)
      const env = serviceEnvironment(process.env, runtimeExtra, inputs.port)
      for (const [k, v] of Object.entries(sandboxDirs)) if (!(k in inputs.env)) env[k] = v
      // A port busy before the side started is that error's to report, not a survivor of the side.
      let portWasBusy = false
      try {
        return await measureInScope(side, role, b, env, scope)
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
    const measureInScope = (
      side: SideName,
      role: string,
      b: BuiltSide,
      env: Record<string, string>,
      scope: Awaited<ReturnType<Sandbox['scope']>>,
    ): Promise<SideMeasurement> => {
      return log.group(`Measure ${role}`, () =>
        measureSide(
          {
            side,
            binary: b.binary,
            args,
            cwd: b.serviceDir,
            env,
            scope,
            port: inputs.port,
            pprofUrl: inputs.pprofUrl,
            readyUrl: inputs.readyUrl,
            listenUrl,
            readyTimeoutMs: inputs.readyTimeoutMs,
            requests,
            headers: inputs.headers,
            ...(inputs.rate ? { rate: inputs.rate } : {}),
            connections: inputs.connections,
            warmupMs: inputs.warmupMs,
            durationMs: inputs.durationMs,
            snapshots: inputs.snapshots,
            // Whole seconds, at most half the measured load, so the trace never covers a snapshot window whole.
            traceSeconds:
              role === 'head' ? Math.floor(Math.min(inputs.traceSeconds, inputs.durationMs / 2000)) : 0,
            workDir: join(ctx.outDir, role === 'head (self-check)' ? 'self-check' : side),
            signal: ctx.signal,
          },
          log.info,
        ),
      )
    }

    const measured: Partial<Record<SideName, SideMeasurement>> = {}
    const crashes: Partial<Record<SideName, ServiceCrashedError>> = {}
    const cutShort: Partial<Record<SideName, MeasurementStoppedError>> = {}
    // Each side's files are written as soon as it is measured, so a later failure loses nothing.
    const files: string[] = []
    for (const side of sides) {
      if (ctx.signal?.aborted) break
      try {
        measured[side] = await measureOne(side, side)
      } catch (error) {
        if (ctx.signal?.aborted) {
          // Stopped from outside: keep what this side took, if anything (it may have been
          // starting, with nothing to keep); the sides after it are not started.
          if (error instanceof MeasurementStoppedError) {
            cutShort[side] = error
            const partial = partialMeasurement(error)
            if (partial) measured[side] = partial
          }
        } else if (!(error instanceof ServiceCrashedError)) {
          throw namedForSide(error, side, ctx.signal)
        } else {
          // A crash under load is a finding, not the end of the run: keep what was measured.
          log.warn(oneLine(error.message.split('\n')[0]))
          crashes[side] = error
          const partial = partialMeasurement(error)
          if (partial) measured[side] = partial
        }
      }
      if (measured[side])
        files.push(...(await writeMeasurement(join(ctx.outDir, side), measured[side]!, log)))
    }
    // Nothing measured before the stop: the stop is the whole story, in one line.
    if (ctx.signal?.aborted && !measured.base && !measured.head) throw stopReason(ctx.signal)
    // Self-check: head measured a second time as its own base (A/A); what differs is noise.
    const selfCheck =
      inputs.selfCheck && measured.head && !crashes.head && !ctx.signal?.aborted
        ? await measureOne('head', 'head (self-check)').catch((error: unknown) => {
            // A stop during the A/A run leaves the real measurement whole: report it without the check.
            if (ctx.signal?.aborted) return undefined
            throw error
          })
        : undefined
    const stopped = ctx.signal?.aborted ? stopReason(ctx.signal) : undefined

    // Only now, with every service stopped, decode and analyse.
    const options = {
      modulePath: built.head!.modulePath,
      regressionThreshold: inputs.regressionThreshold,
      alpha: 0.05,
      memProfileRate,
    }
    const decodeOptions = { maxProfileBytes: inputs.maxProfileBytes }
    const headData = measured.head ? decodeSide(measured.head, decodeOptions) : undefined
    const baseData = measured.base ? decodeSide(measured.base, decodeOptions) : undefined
    const baseAlone = (): Analysis['head'] | undefined =>
      baseData && analyse(baseData, undefined, options).head
    const analysis: Analysis = headData
      ? analyse(headData, baseData, options)
      : crashes.head
        ? crashOnlyAnalysis(crashes.head, baseAlone())
        : stoppedOnlyAnalysis(cutShort.head, baseAlone())
    if (!sandbox.isolated) analysis.notes.push(`${sandbox.description}.`)
    for (const side of sides) {
      for (const problem of measured[side]?.problems ?? []) {
        analysis.notes.push(`${side}: ${problem}`)
        // Errors take other code paths than successes: such a measurement cannot vouch for the code.
        if (INVALIDATING.test(problem)) (analysis.untrustworthy ??= []).push(`${side}: ${problem}`)
      }
    }
    if (analysis.untrustworthy && analysis.verdict.regression) {
      // Allocation measured on error paths is not the code's allocation: no regression verdict from it.
      analysis.verdict.regression = false
      analysis.notes.push(
        'No regression verdict: requests failed under load, so the allocation figures come from error paths.',
      )
    }
    if (crashes.base) {
      analysis.notes.push(
        `base: ${oneLine(crashes.base.message.split('\n')[0])}; head is judged on its own where base has no data.`,
      )
    }
    if (crashes.head) {
      analysis.findings.unshift(crashFinding(crashes.head, options.modulePath, !!crashes.base))
      analysis.verdict.leak = true
      if (!crashes.base) analysis.verdict.newLeak = true
    }
    if (stopped) {
      const summary = stopped instanceof RunStoppedError ? stopped.summary : oneLine(stopped)
      const note = stoppedNote(summary, sides, cutShort, measured)
      analysis.notes.unshift(note)
      // Never a clean verdict from a run cut short: what was not measured may hold the leak.
      // (Stopped during the self-check only, every side was measured whole.)
      if (sides.some((side) => cutShort[side] || !measured[side])) {
        ;(analysis.untrustworthy ??= []).unshift(note)
      }
      if (analysis.verdict.regression) {
        analysis.verdict.regression = false
        analysis.notes.push('No regression verdict: the allocation figures cover only part of the run.')
      }
    }
    if (requestsNote) analysis.notes.push(requestsNote)
    if (selfCheck) capLog(selfCheck.logPath)
    if (selfCheck && headData) {
      const aa = analyse(decodeSide(selfCheck, decodeOptions), headData, options)
      analysis.notes.push(selfCheckNote(aa))
    }

    const report: Report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      tool: { name: 'memleak-action', version: VERSION },
      meta: {
        repository: ctx.repository,
        pullRequest: ctx.pullRequest,
        baseSha: baseTree?.sha,
        headSha: ctx.headSha,
        package: inputs.package,
        workingDirectory: inputs.workingDirectory,
        modulePath: built.head!.modulePath,
        requests: requests.map((r) => [r.method, r.path, r.body].filter((x) => x !== undefined).join(' ')),
        durationMs: inputs.durationMs,
        warmupMs: inputs.warmupMs,
        connections: inputs.connections,
        snapshots: inputs.snapshots,
        regressionThreshold: inputs.regressionThreshold,
        failOn: inputs.failOn,
        goVersion: await goVersion(),
        platform: `${process.platform}-${process.arch}`,
        generatedAt: new Date().toISOString(),
        commentId: ctx.commentId,
        sourceRoots: [
          ctx.workspace,
          ...(baseTree ? [baseTree.dir] : []),
          ...(sandbox.root ? sides.map((side) => join(sandbox.root!, side)) : []),
        ],
        serverUrl: ctx.serverUrl,
      },
      analysis,
      failures: [
        ...(stopped ? [oneLine(stopped)] : []),
        // A stop is its own reason already: no second line saying it left no verdict.
        ...failuresFor(analysis.verdict, inputs.failOn, analysis).filter(
          (reason) => !stopped || !reason.startsWith('no verdict'),
        ),
      ],
    }
    const reportPath = join(ctx.outDir, 'report.json')
    await writeFile(reportPath, toJson(report))
    files.push(reportPath)
    return {
      report,
      markdown: renderMarkdown(report, { artifactUrl: ctx.artifactUrl }),
      reportPath,
      files,
      ...(stopped ? { stopped } : {}),
    }
  } finally {
    await baseTree?.remove()
    await rm(binDir, { recursive: true, force: true })
    if (!ctx.sandbox) await sandbox.dispose()
  }
}
