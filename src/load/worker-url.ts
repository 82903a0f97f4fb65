// Where the load worker's code is. From the bundle it is dist/load-worker.js,
// beside the chunk that runs this. From source (Vitest, tsx) there is only
// worker.ts, which a worker thread cannot run on Node 20: it is transpiled
// once per process into a temporary folder with TypeScript (a dev dependency,
// present whenever the sources are).
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const BUNDLED_WORKER_FILE = 'load-worker.js'

let transpiled: Promise<URL> | undefined

export async function resolveWorkerUrl(explicit?: URL): Promise<URL> {
  if (explicit) return explicit
  const bundled = new URL(`./${BUNDLED_WORKER_FILE}`, import.meta.url)
  if (bundled.protocol === 'file:' && fs.existsSync(fileURLToPath(bundled))) return bundled
  const source = new URL('./worker.ts', import.meta.url)
  if (source.protocol === 'file:' && fs.existsSync(fileURLToPath(source))) {
    return (transpiled ??= transpileWorker(fileURLToPath(source)))
  }
  throw new Error(
    `the load generator's worker is missing: expected ${fileURLToPath(bundled)} beside the bundle ` +
      `(rebuild dist with npm run build)`,
  )
}

async function transpileWorker(entry: string): Promise<URL> {
  // A computed specifier keeps bundlers from pulling TypeScript into dist.
  const specifier = 'typescript'
  const ts = ((await import(specifier)) as { default: typeof import('typescript') }).default
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memleak-load-worker-'))
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n')
  const srcDir = path.dirname(entry)
  const pending = [path.basename(entry)]
  const done = new Set<string>()
  while (pending.length > 0) {
    const file = pending.pop()!
    if (done.has(file)) continue
    done.add(file)
    const code = fs.readFileSync(path.join(srcDir, file), 'utf8')
    for (const m of code.matchAll(/from '(\.[^']+)\.js'/g)) {
      const rel = m[1]!
      if (!rel.startsWith('./') || rel.slice(2).includes('/')) {
        throw new Error(`load worker sources must only import from src/load: ${file} imports ${rel}.js`)
      }
      pending.push(`${rel.slice(2)}.ts`)
    }
    const out = ts.transpileModule(code, {
      compilerOptions: {
        module: ts.ModuleKind.ES2022,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false,
      },
      fileName: file,
    })
    fs.writeFileSync(path.join(dir, file.replace(/\.ts$/, '.js')), out.outputText)
  }
  return pathToFileURL(path.join(dir, 'worker.js'))
}
