// Builds one side's service binary: `go build` of the package, or the user's build-command.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { SideName } from '../capture/types.js'
import { UsageError } from '../errors.js'
import { buildEnvironment, lastLines, runCommand } from './command.js'

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
}

export interface BuiltSide {
  side: SideName
  binary: string
  moduleDir: string
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

export async function buildSide(req: BuildRequest): Promise<BuiltSide> {
  const moduleDir = resolve(req.treeDir, req.workingDirectory)
  const modulePath = await readModulePath(moduleDir)
  const started = Date.now()
  const env = { ...buildEnvironment(process.env), MEMLEAK_BINARY: req.binary, MEMLEAK_SIDE: req.side }
  // -trimpath makes file names module-relative, so base (in a worktree) and
  // head (in the workspace) name the same file the same way.
  const [command, args, shown] = req.buildCommand
    ? ['sh', ['-c', req.buildCommand], req.buildCommand]
    : [
        'go',
        ['build', '-trimpath', '-o', req.binary, req.package],
        `go build -trimpath -o <binary> ${req.package}`,
      ]
  let result
  try {
    result = await runCommand(command, args, {
      cwd: moduleDir,
      env,
      timeoutMs: 15 * 60_000,
      signal: req.signal,
    })
  } catch (error) {
    throw new BuildError(`build of ${req.side} could not start ${command}: ${(error as Error).message}`)
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
  return { side: req.side, binary: req.binary, moduleDir, modulePath, durationMs: Date.now() - started }
}

export async function goVersion(): Promise<string | undefined> {
  try {
    const result = await runCommand('go', ['env', 'GOVERSION'], { cwd: process.cwd(), timeoutMs: 30_000 })
    return result.code === 0 ? result.output.trim() : undefined
  } catch {
    return undefined
  }
}
