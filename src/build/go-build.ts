// Builds one side's service binary: `go build` of the package, or the user's build-command.
import { existsSync } from 'node:fs'
import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { SideName } from '../model/sides.js'
import { UsageError } from '../model/errors.js'
import type { Sandbox } from '../sandbox/sandbox.js'
import {
  buildEnvironment,
  lastLines,
  publicProxies,
  runCommand,
  untrustedBuildEnvironment,
  type CommandResult,
} from './command.js'
import { startModuleProxy } from './module-proxy.js'

export interface BuildRequest {
  side: SideName
  /** Root of the side's tree (workspace for head, worktree for base). */
  treeDir: string
  workingDirectory: string
  package: string
  buildCommand: string
  /** Where the binary goes. */
  binary: string
  signal?: AbortSignal
  /**
   * Where the PR's code runs: build-command in a sandbox-owned copy of the tree, as
   * the sandbox user; the service later in the same copy. Absent: in place, as we.
   */
  sandbox?: Sandbox
  log?: (line: string) => void
}

export interface BuiltSide {
  side: SideName
  binary: string
  moduleDir: string
  /** The service's working directory: the module in the sandbox's copy of the tree, or moduleDir. */
  serviceDir: string
  modulePath: string
  durationMs: number
}

export class BuildError extends Error {
  override name = 'BuildError'
}

export async function readModulePath(moduleDir: string): Promise<string> {
  const goMod = join(moduleDir, 'go.mod')
  if (!existsSync(goMod)) {
    throw new UsageError(`working-directory: no go.mod in ${moduleDir}; point it at the Go module root`)
  }
  const match = /^module\s+("?)([^\s"]+)\1\s*$/m.exec(await readFile(goMod, 'utf8'))
  if (!match) throw new UsageError(`working-directory: ${goMod} has no module line`)
  return match[2]
}

/** Go's module cache directory of the runner, which the sandbox's module proxy serves from. */
async function runnerModCache(): Promise<string | undefined> {
  const r = await runCommand('go', ['env', 'GOMODCACHE'], { cwd: process.cwd(), timeoutMs: 30_000 })
  return r.code === 0 && r.output.trim() ? r.output.trim() : undefined
}

async function runBuildCommand(req: BuildRequest, workDir: string): Promise<CommandResult> {
  const sandbox = req.sandbox
  if (!sandbox?.isolated) {
    const env = {
      ...untrustedBuildEnvironment(process.env),
      MEMLEAK_BINARY: req.binary,
      MEMLEAK_SIDE: req.side,
    }
    return runCommand('/bin/sh', ['-c', req.buildCommand], {
      cwd: workDir,
      env,
      timeoutMs: 15 * 60_000,
      signal: req.signal,
    })
  }
  const home = sandbox.home!
  const cache = await runnerModCache()
  const proxy = cache ? await startModuleProxy(join(cache, 'cache/download')) : undefined
  const out = join(sandbox.root!, `${req.side}-out`)
  await mkdir(out)
  await sandbox.handOver(out)
  const env = {
    ...untrustedBuildEnvironment(process.env, {
      home,
      tmp: join(home, 'tmp'),
      gocache: join(home, '.cache/go-build'),
      gopath: join(home, 'go'),
      modcache: join(home, 'go/pkg/mod'),
      user: sandbox.user!.name,
      proxy: [proxy?.url, publicProxies(process.env.GOPROXY)].filter(Boolean).join(','),
    }),
    MEMLEAK_BINARY: join(out, 'service'),
    MEMLEAK_SIDE: req.side,
  }
  const scope = await sandbox.scope(`${req.side}-build`)
  try {
    const result = await runCommand('/bin/sh', ['-c', req.buildCommand], {
      cwd: workDir,
      env,
      timeoutMs: 15 * 60_000,
      signal: req.signal,
      scope,
    })
    // Ours from here: the sandbox can no longer swap the binary the service runs from.
    if (result.code === 0 && existsSync(env.MEMLEAK_BINARY)) {
      await copyFile(env.MEMLEAK_BINARY, req.binary)
      await chmod(req.binary, 0o755)
    }
    return result
  } finally {
    await scope.dispose()
    await proxy?.close()
  }
}

export async function buildSide(req: BuildRequest): Promise<BuiltSide> {
  const moduleDir = resolve(req.treeDir, req.workingDirectory)
  const modulePath = await readModulePath(moduleDir)
  const started = Date.now()
  const sandboxed = req.sandbox?.isolated === true
  // The service (and build-command) get a copy they own, without .git: never the runner's tree.
  const serviceDir = sandboxed
    ? resolve(await req.sandbox!.copyTree(req.treeDir, req.side), req.workingDirectory)
    : moduleDir
  // -trimpath makes file names module-relative, so base (in a worktree) and
  // head (in the workspace) name the same file the same way.
  const shown = req.buildCommand || `go build -trimpath -o <binary> ${req.package}`
  let result: CommandResult
  try {
    result = req.buildCommand
      ? await runBuildCommand(req, serviceDir)
      : await runCommand('go', ['build', '-trimpath', '-o', req.binary, req.package], {
          cwd: moduleDir,
          env: buildEnvironment(process.env),
          timeoutMs: 15 * 60_000,
          signal: req.signal,
        })
  } catch (error) {
    if (error instanceof BuildError) throw error
    throw new BuildError(`build of ${req.side} could not start: ${(error as Error).message}`)
  }
  if (result.survivors) {
    throw new BuildError(
      `build of ${req.side}: processes of build-command survived being killed: ${result.survivors.join(', ')}`,
    )
  }
  if (result.code !== 0) {
    throw new BuildError(
      `build of ${req.side} failed (${shown} in ${moduleDir}, exit ${result.code}):\n${lastLines(result.output, 40)}`,
    )
  }
  if (!existsSync(req.binary)) {
    throw new BuildError(
      `build of ${req.side} succeeded but wrote no binary at $MEMLEAK_BINARY (${req.binary})`,
    )
  }
  if (sandboxed) await chmod(req.binary, 0o755)
  return {
    side: req.side,
    binary: req.binary,
    moduleDir,
    serviceDir,
    modulePath,
    durationMs: Date.now() - started,
  }
}

export async function goVersion(): Promise<string | undefined> {
  try {
    const result = await runCommand('go', ['env', 'GOVERSION'], { cwd: process.cwd(), timeoutMs: 30_000 })
    return result.code === 0 ? result.output.trim() : undefined
  } catch {
    return undefined
  }
}
