// The write step: each side's profiles and log into the artifact directory, and
// the report (JSON and Markdown) once the analysis is done.
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { goVersion } from '../build/go-build.js'
import type { BaseTree } from '../build/worktree.js'
import type { LoadRequest } from '../load/requests.js'
import type { Analysis } from '../model/analysis.js'
import { oneLine } from '../model/errors.js'
import type { Inputs } from './inputs.js'
import {
  REPORT_SCHEMA_VERSION,
  type Report,
  type ReportMeta,
  type RunTiming,
  type SideTiming,
} from '../model/report.js'
import type { SideMeasurement, SideName, SideOutcome } from '../model/sides.js'
import { VERSION } from '../model/version.js'
import { toJson } from '../report/json.js'
import { failuresFor } from '../report/verdict.js'
import { capLog } from '../service/log-cap.js'
import type { Logger, PipelineContext } from './pipeline-context.js'

/** A side's snapshots, dumps and trace as files, beside its (capped) service log. */
export async function writeMeasurement(dir: string, m: SideMeasurement, log: Logger): Promise<void> {
  await mkdir(dir, { recursive: true })
  const cut = capLog(m.logPath)
  if (cut > 0)
    log.info(`${m.side}: the service log kept in the artifact is capped: ${cut} bytes cut from its middle`)
  const put = (name: string, data: Uint8Array | string): Promise<void> => writeFile(join(dir, name), data)
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
}

/** What was run, where, by whom: the report's `meta`. */
/** The run's time by phase: the builds, each side's parts and why its load ended, the analysis. */
export function runTiming(
  outcomes: Partial<Record<SideName, SideOutcome>>,
  totals: Omit<RunTiming, 'sides'>,
): RunTiming {
  const sides: SideTiming[] = []
  for (const side of ['base', 'head'] as const) {
    const m = outcomes[side]?.measurement
    if (!m?.phases) continue
    sides.push({
      side,
      ...m.phases,
      ...(m.finish ? { stop: { reason: m.finish.reason, why: m.finish.why } } : {}),
    })
  }
  return { ...totals, sides }
}

export async function reportMeta(
  inputs: Inputs,
  ctx: PipelineContext,
  run: {
    timing?: RunTiming
    sides: readonly SideName[]
    modulePath: string
    requests: LoadRequest[]
    baseTree?: BaseTree
    /** The sandbox's root, under which each side's tree is copied. */
    sandboxRoot?: string
  },
): Promise<ReportMeta> {
  return {
    repository: ctx.repository,
    pullRequest: ctx.pullRequest,
    baseSha: run.baseTree?.sha,
    headSha: ctx.headSha,
    package: inputs.package,
    workingDirectory: inputs.workingDirectory,
    modulePath: run.modulePath,
    requests: run.requests.map((r) => [r.method, r.path, r.body].filter((x) => x !== undefined).join(' ')),
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
      ...(run.baseTree ? [run.baseTree.dir] : []),
      ...(run.sandboxRoot ? run.sides.map((side) => join(run.sandboxRoot!, side)) : []),
    ],
    serverUrl: ctx.serverUrl,
    ...(inputs.stopEarly ? { stopEarly: true, minLeak: inputs.minLeak } : {}),
    ...(inputs.rate !== undefined ? { rate: inputs.rate } : {}),
    memProfileRate: inputs.memProfileRate,
    ...(inputs.requestsFile ? { requestsFile: inputs.requestsFile } : {}),
    ...headerNamesOf(inputs.headers),
    ...(run.timing ? { timing: run.timing } : {}),
  }
}

/** The report: the analysis with what was run, where, and why the step fails under fail-on. */
export function reportOf(
  analysis: Analysis,
  meta: ReportMeta,
  inputs: Pick<Inputs, 'failOn'>,
  stopped: Error | undefined,
): Report {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'memleak-action', version: VERSION },
    meta,
    analysis,
    failures: [
      ...(stopped ? [oneLine(stopped)] : []),
      // A stop is its own reason already: no second line saying it left no verdict.
      ...failuresFor(analysis.verdict, inputs.failOn, analysis).filter(
        (reason) => !stopped || !reason.startsWith('no verdict'),
      ),
    ],
  }
}

/** Writes report.json into outDir; returns its path. */
export async function writeReport(outDir: string, report: Report): Promise<string> {
  const reportPath = join(outDir, 'report.json')
  await writeFile(reportPath, toJson(report))
  return reportPath
}

/** The headers input's names, once each, as first spelled; none when there were none. */
function headerNamesOf(headers: readonly [string, string][]): { headerNames?: string[] } {
  const names = new Map<string, string>()
  for (const [name] of headers) {
    if (!names.has(name.toLowerCase())) names.set(name.toLowerCase(), name)
  }
  return names.size ? { headerNames: [...names.values()] } : {}
}
