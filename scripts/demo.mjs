// `npm run demo`: what a pull request would get, in one command. Builds the bundled
// Gin example twice (base: the seed's /time handler; head: the same plus a global
// map cache that never evicts), loads each, and prints the report.
import { execFileSync, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const example = join(root, 'examples/gin-service')
const cli = join(root, 'dist/cli.js')

function need(command, hint) {
  if (spawnSync(command, ['version'], { stdio: 'ignore' }).status !== 0) {
    console.error(`demo: ${command} is not on the PATH; ${hint}`)
    process.exit(2)
  }
}
need('go', 'install Go 1.21+ from https://go.dev/dl/')
need('git', 'install git')
if (!existsSync(cli)) {
  console.error('demo: dist/cli.js is missing; run npm run build')
  process.exit(2)
}

function freePort() {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolvePort(port))
    })
  })
}
const port = process.env.PORT ?? String(await freePort())

const repo = mkdtempSync(join(tmpdir(), 'memleak-demo-'))
const git = (...args) =>
  execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'demo',
      GIT_AUTHOR_EMAIL: 'demo@example.com',
      GIT_COMMITTER_NAME: 'demo',
      GIT_COMMITTER_EMAIL: 'demo@example.com',
    },
  }).trim()

try {
  for (const file of ['go.mod', 'go.sum', 'main.go']) cpSync(join(example, file), join(repo, file))
  git('init', '-q', '-b', 'main')
  git('add', '-A')
  git('commit', '-qm', 'base: the /time service')
  const base = git('rev-parse', 'HEAD')
  cpSync(join(example, 'demo-head/main.go'), join(repo, 'main.go'))
  git('commit', '-qam', 'head: cache every response in a global map')

  console.error(
    `demo: a pull request in ${repo}: base ${base.slice(0, 12)} (the seed's /time handler), head adds a global map cache\n`,
  )
  const result = spawnSync(
    process.execPath,
    [
      cli,
      'run',
      '--base-ref',
      base,
      '--requests',
      'GET /time',
      '--warmup',
      '2s',
      '--duration',
      '12s',
      '--out',
      join(repo, '.memleak'),
      '--port',
      port,
    ],
    { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] },
  )
  if (result.status === 1) {
    console.error(
      '\ndemo: as expected, this pull request would fail the memleak check (exit 1 from `memleak run`).',
    )
  } else if (result.status !== 0) {
    console.error(`\ndemo: memleak run exited with ${result.status}`)
    process.exitCode = result.status ?? 1
  } else {
    console.error('\ndemo: memleak run found nothing to fail on; expected a new leak in this demo')
    process.exitCode = 1
  }
} finally {
  rmSync(repo, { recursive: true, force: true })
}
