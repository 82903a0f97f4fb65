// If our own process ends while a service runs (process.exit, an uncaught error,
// a cancelled job's SIGTERM), the service's process group must die with it.
// The scenario runs in a child Node process that loads src/service transpiled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { BUILD_TIMEOUT_MS, buildFixtures, canConnect, freePort, isRunning } from './helpers.js'

let fixtures: Awaited<ReturnType<typeof buildFixtures>>
let moduleDir: string
beforeAll(async () => {
  fixtures = await buildFixtures(['spawnchild'])
  moduleDir = join(fixtures.dir, 'service-js')
  mkdirSync(moduleDir)
  writeFileSync(join(moduleDir, 'package.json'), '{"type":"module"}')
  const src = resolve(import.meta.dirname, '../../src/service')
  for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
    const out = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    })
    writeFileSync(join(moduleDir, file.replace(/\.ts$/, '.js')), out.outputText)
  }
}, BUILD_TIMEOUT_MS)
afterAll(() => fixtures?.remove())

const script = (how: string) => `
import { startService } from './process.js'
const [binary, port, dir] = process.argv.slice(2)
const svc = await startService({
  binary, args: [], cwd: dir, port: Number(port),
  env: { PATH: process.env.PATH, PORT: port, CHILD_PID_FILE: dir + '/child-' + port },
  logPath: dir + '/svc-' + port + '.log',
  readyUrl: 'http://127.0.0.1:' + port + '/time', readyTimeoutMs: 10000,
})
process.stdout.write(svc.pid + '\\n')
${how}
`

async function scenario(how: string, poke?: (child: ReturnType<typeof spawn>) => void) {
  const port = await freePort()
  const file = join(moduleDir, `scenario-${port}.mjs`)
  writeFileSync(file, script(how))
  const child = spawn(process.execPath, [file, fixtures.bin('spawnchild'), String(port), fixtures.dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d))
  child.stderr!.resume()
  await new Promise<void>((r) => child.stdout!.on('data', () => out.includes('\n') && r()))
  const pid = Number(out.trim())
  const grandchild = Number(readFileSync(join(fixtures.dir, `child-${port}`), 'utf8'))
  expect(isRunning(pid)).toBe(true)
  poke?.(child)
  const exit = await new Promise<[number | null, string | null]>((r) => child.on('exit', (c, s) => r([c, s])))
  await new Promise((r) => setTimeout(r, 200))
  expect(isRunning(pid)).toBe(false)
  expect(isRunning(grandchild)).toBe(false)
  expect(await canConnect(port)).toBe(false)
  return exit
}

describe('safety net', () => {
  it('process.exit() kills the service group', async () => {
    expect(await scenario('setTimeout(() => process.exit(7), 300)')).toEqual([7, null])
  })

  it('an uncaught error kills the service group', async () => {
    const [code] = await scenario('setTimeout(() => { throw new Error("boom (expected by the test)") }, 300)')
    expect(code).toBe(1)
  })

  it('SIGTERM to us kills the service group, and we still die of SIGTERM', async () => {
    const exit = await scenario('setInterval(() => {}, 1000)', (child) => child.kill('SIGTERM'))
    expect(exit).toEqual([null, 'SIGTERM'])
  })
})
