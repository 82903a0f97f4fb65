// The service is the pull request's code: it must not see the runner's
// credentials. The envdump fixture writes its whole environment to a file at
// startup; base and head each dump theirs (head's code is changed to write to
// <file>.head, as a PR could change anything), through the action as a runner
// runs it, with secrets set the way a runner sets them.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { DIST_INDEX, runAction, type ActionRun } from '../support/run-action.js'
import { afterFault, faultRepo, type FaultRepo } from './e2e.js'

const SECRETS: Record<string, string> = {
  GITHUB_TOKEN: 'ghs_githubTOKENvalue1',
  ACTIONS_RUNTIME_TOKEN: 'actions-runtime-VALUE-2',
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://token.actions.example/idtoken?VALUE3',
  MY_SECRET_TOKEN: 'my-custom-SECRET-value-4',
}
const INPUT_TOKEN = 'ghs_inputTOKENvalue5'
/** Not secrets by name, but credentials all the same; GO* must mean Go's own settings. */
const CLOUD = {
  GOOGLE_API_KEY: 'AIza-google-VALUE-6',
  GOOGLE_APPLICATION_CREDENTIALS: '/secrets/sa-VALUE-7.json',
}

function parseDump(text: string): Map<string, string> {
  const env = new Map<string, string>()
  for (const line of text.split('\n').filter(Boolean)) {
    const eq = line.indexOf('=')
    env.set(line.slice(0, eq), line.slice(eq + 1))
  }
  return env
}

describe.runIf(existsSync(DIST_INDEX))("the service's environment (envdump through the action)", () => {
  let api: GitHubApi
  let repo: FaultRepo
  let run: ActionRun
  let dumps: { side: string; text: string; env: Map<string, string> }[]
  /** What the build-command (the PR's build scripts, untrusted too) saw, per side. */
  let builds: { side: string; text: string; env: Map<string, string> }[]
  const ID = 'untrusted-env'

  beforeAll(async () => {
    api = await startGitHubApi()
    repo = await faultRepo(ID, 'envdump', 'envdump')
    const dumpDir = mkdtempSync(join(tmpdir(), 'memleak-envdump-'))
    // The service and build-command run as the sandbox user, which may write only where it is let.
    chmodSync(dumpDir, 0o777)
    repo.watch.push(dumpDir)
    // The build-command copies binaries built here from a warm cache: what it sees is the
    // point, and a sandboxed cold `go build` is already paid for by hostile-pr.test.ts.
    const bins = mkdtempSync(join(tmpdir(), 'memleak-envdump-bin-'))
    chmodSync(bins, 0o755)
    repo.watch.push(bins)
    const goBuild = (side: string) =>
      execFileSync('go', ['build', '-trimpath', '-o', join(bins, side), './cmd/api'], { cwd: repo.dir })
    goBuild('base')
    const main = join(repo.dir, 'cmd/api/main.go')
    writeFileSync(
      main,
      readFileSync(main, 'utf8').replace(
        'path := os.Getenv("ENV_DUMP_FILE")',
        'path := os.Getenv("ENV_DUMP_FILE") + ".head"',
      ),
    )
    goBuild('head')
    run = await runAction({
      workspace: repo.dir,
      apiUrl: api.url,
      pullRequest: { number: 71, baseSha: repo.baseSha, headSha: repo.headSha },
      inputs: {
        package: './cmd/api',
        port: String(repo.port),
        'github-token': INPUT_TOKEN,
        env: `ENV_DUMP_FILE=${join(dumpDir, 'env')}\nUSER_SETTING=from the env input`,
        'build-command': `env > '${dumpDir}/build-'"$MEMLEAK_SIDE" && cp '${bins}/'"$MEMLEAK_SIDE" "$MEMLEAK_BINARY"`,
        requests: 'GET /time',
        warmup: '1s',
        duration: '4s',
        snapshots: '4',
      },
      env: { ...SECRETS, ...CLOUD },
      timeoutMs: 240_000,
    })
    repo.watch.push(run.runnerTemp)
    const read = (side: string, path: string): { side: string; text: string; env: Map<string, string> } => {
      const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
      return { side, text, env: parseDump(text) }
    }
    dumps = [read('base', join(dumpDir, 'env')), read('head', join(dumpDir, 'env.head'))]
    builds = [
      read('base build', join(dumpDir, 'build-base')),
      read('head build', join(dumpDir, 'build-head')),
    ]
  }, 260_000)

  afterAll(async () => {
    await api.close()
    await afterFault(ID)
  })

  it('the run went through and both sides (and both builds) dumped their environment', () => {
    expect(run.code, run.stdout.slice(-2000)).toBe(0)
    for (const d of [...dumps, ...builds]) expect(d.env.size, `${d.side} dumped nothing`).toBeGreaterThan(0)
  })

  it('no token, runner internal or input reaches either side or its build, by name or by value', () => {
    for (const d of [...dumps, ...builds]) {
      for (const [name, value] of [...Object.entries(SECRETS), ['INPUT_GITHUB-TOKEN', INPUT_TOKEN]]) {
        expect(d.env.has(name!), `${d.side} has ${name}`).toBe(false)
        expect(d.text, `${d.side} holds the value of ${name}`).not.toContain(value)
      }
    }
    // The service gets an allowlist; the build (which may need the runner's module credentials) a denylist.
    for (const d of dumps) {
      const leaked = [...d.env.keys()].filter((k) =>
        /^(ACTIONS_|INPUT_|GITHUB_|RUNNER_)|TOKEN|SECRET/i.test(k),
      )
      expect(leaked, d.side).toEqual([])
    }
    for (const d of builds) {
      const leaked = [...d.env.keys()].filter((k) => /^(ACTIONS_|INPUT_)|TOKEN|SECRET|PASSWORD/i.test(k))
      expect(leaked, d.side).toEqual([])
    }
  })

  // A PR's build script must not be able to set this step's outputs (leak=false) or
  // the environment of later steps through the workflow-command files.
  it("the build gets none of the runner's workflow-command files", () => {
    for (const d of builds) {
      const files = [...d.env.keys()].filter((k) => /^GITHUB_(OUTPUT|ENV|PATH|STEP_SUMMARY|STATE)$/.test(k))
      expect(files, d.side).toEqual([])
    }
  })

  it('PORT and the env input do reach both sides', () => {
    for (const d of dumps) {
      expect(d.env.get('PORT'), d.side).toBe(String(repo.port))
      expect(d.env.get('USER_SETTING'), d.side).toBe('from the env input')
      expect(d.env.get('GODEBUG'), d.side).toMatch(/memprofilerate=\d+/)
    }
  })

  it('the token is masked and printed nowhere', () => {
    expect(run.stdout).toContain(`::add-mask::${INPUT_TOKEN}`)
    const printed = (run.stdout + run.stderr).replace(/^::add-mask::.*$/gm, '')
    for (const value of [INPUT_TOKEN, ...Object.values(SECRETS)]) expect(printed).not.toContain(value)
  })

  // GO* is not a safe prefix: only the Go runtime's own settings are passed on.
  it('cloud credentials named GOOGLE_* do not reach the service', () => {
    for (const d of dumps) {
      for (const [name, value] of Object.entries(CLOUD)) {
        expect(d.env.has(name), `${d.side} has ${name}`).toBe(false)
        expect(d.text).not.toContain(value)
      }
    }
  })
})
