// Runs a build-time command (git, go, the user's build-command) and keeps its output.
import { spawn } from 'node:child_process'
import type { Scope, SpawnSpec } from '../sandbox/sandbox.js'

export interface CommandResult {
  code: number | null
  output: string
  /** Processes of the scope still alive after it was killed (see Scope.killAll). */
  survivors?: string[]
}

/** Names anything we run may see: the system's basics (no credentials among them). */
const BASICS = new Set(['PATH', 'LANG', 'TZ', 'SSL_CERT_FILE', 'SSL_CERT_DIR'])
const PROXIES = new Set(['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'])

/** How Go builds (target, cgo, toolchain, checksums): settings, not secrets. */
const GO_BUILD = new Set([
  'GOFLAGS',
  'GOTOOLCHAIN',
  'GOOS',
  'GOARCH',
  'GOAMD64',
  'GOARM',
  'GOARM64',
  'GO386',
  'GOEXPERIMENT',
  'GOROOT',
  'GODEBUG',
  'GOPRIVATE',
  'GONOPROXY',
  'GONOSUMDB',
  'GONOSUMCHECK',
  'GOSUMDB',
  'GOINSECURE',
  'GOVCS',
  'GOWORK',
  'CGO_ENABLED',
  'CC',
  'CXX',
  'CGO_CFLAGS',
  'CGO_CPPFLAGS',
  'CGO_CXXFLAGS',
  'CGO_LDFLAGS',
  'PKG_CONFIG',
])

/**
 * Where the runner's Go keeps and fetches modules, and how it authenticates:
 * needed by our own `go build` and `git` (they run no code of the PR), never by
 * the PR's build-command.
 */
const RUNNER_ONLY = new Set([
  'HOME',
  'USER',
  'TMPDIR',
  'TMP',
  'TEMP',
  'GOPATH',
  'GOCACHE',
  'GOMODCACHE',
  'GOTMPDIR',
  'GOENV',
  'GOPROXY',
  'GOAUTH',
  'XDG_CONFIG_HOME',
  'XDG_CACHE_HOME',
  'SSH_AUTH_SOCK',
])

function pick(parent: NodeJS.ProcessEnv, keep: (name: string) => boolean): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(parent)) if (value !== undefined && keep(key)) env[key] = value
  return env
}

/**
 * Environment for our own build tools (go build, git): an allowlist, not a
 * denylist, so a DEPLOY_KEY or any other secret the workflow put in the
 * environment stays with us.
 */
export function buildEnvironment(parent: NodeJS.ProcessEnv): Record<string, string> {
  return pick(
    parent,
    (k) =>
      BASICS.has(k) ||
      PROXIES.has(k) ||
      GO_BUILD.has(k) ||
      RUNNER_ONLY.has(k) ||
      k.startsWith('LC_') ||
      // git's own settings (an insteadOf with credentials set by the workflow) serve our fetch of the base.
      (k.startsWith('GIT_') && !/TOKEN|PASSWORD|SECRET/i.test(k)),
  )
}

/** A GOPROXY list without entries that carry credentials (https://user:token@host). */
export function publicProxies(list: string | undefined): string {
  const kept = (list ?? 'https://proxy.golang.org,direct')
    .split(/([,|])/)
    .reduce<string[]>((out, part, i, all) => {
      if (part === ',' || part === '|') return out
      if (/^[a-z]+:\/\/[^/]*@/i.test(part)) return out
      if (out.length > 0) out.push(all[i - 1]!)
      out.push(part)
      return out
    }, [])
  return kept.join('') || 'off'
}

/**
 * Environment for the PR's build-command: the basics and Go's build settings
 * only. `dirs` replaces HOME, the temp dir and Go's caches (the sandbox's own,
 * when it runs as the sandbox user); without it the runner's are used.
 */
export function untrustedBuildEnvironment(
  parent: NodeJS.ProcessEnv,
  dirs?: {
    home: string
    tmp: string
    gocache: string
    gopath: string
    modcache: string
    user: string
    /** Its GOPROXY: our module proxy first (see module-proxy.ts), then public proxies only. */
    proxy: string
  },
): Record<string, string> {
  const env = pick(parent, (k) => BASICS.has(k) || PROXIES.has(k) || GO_BUILD.has(k) || k.startsWith('LC_'))
  if (dirs) {
    Object.assign(env, {
      HOME: dirs.home,
      USER: dirs.user,
      TMPDIR: dirs.tmp,
      GOCACHE: dirs.gocache,
      GOPATH: dirs.gopath,
      GOMODCACHE: dirs.modcache,
      GOPROXY: dirs.proxy,
    })
  } else {
    for (const k of ['HOME', 'USER', 'TMPDIR', 'GOPATH', 'GOCACHE', 'GOMODCACHE']) {
      if (parent[k] !== undefined) env[k] = parent[k]!
    }
    env.GOPROXY = publicProxies(parent.GOPROXY)
  }
  return env
}

const CLOSE_WAIT_MS = 5000

export function runCommand(
  command: string,
  args: string[],
  opts: {
    cwd: string
    env?: Record<string, string>
    timeoutMs?: number
    signal?: AbortSignal
    /** Runs the command in this sandbox scope; everything in it is killed when the command ends. */
    scope?: Scope
  },
): Promise<CommandResult> {
  const env = opts.env ?? buildEnvironment(process.env)
  const spec: SpawnSpec = opts.scope ? opts.scope.wrap(command, args, env) : { command, args, env }
  return new Promise((resolve, reject) => {
    const child = spawn(spec.command, spec.args, {
      cwd: opts.cwd,
      env: spec.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...uidOf(spec),
    })
    const chunks: Buffer[] = []
    let size = 0
    const keep = (chunk: Buffer): void => {
      // Keep the tail that matters without holding megabytes of compiler chatter.
      chunks.push(chunk)
      size += chunk.length
      while (size > 1_000_000 && chunks.length > 1) size -= chunks.shift()!.length
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
    const kill = (): void => {
      killGroup()
      void opts.scope?.killAll()
    }
    const timer = opts.timeoutMs ? setTimeout(kill, opts.timeoutMs) : undefined
    opts.signal?.addEventListener('abort', kill, { once: true })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    const closed = new Promise<void>((r) => child.once('close', () => r()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', kill)
      void (async () => {
        // What it left running (nohup ... &, a daemon that called setsid) ends with it; their
        // open stdout would otherwise keep us waiting for 'close' until the timeout.
        let survivors: string[] | undefined
        if (opts.scope) survivors = await opts.scope.killAll()
        killGroup()
        // Unref'd: a timer left over must not keep our process alive after the run.
        await Promise.race([closed, new Promise((r) => setTimeout(r, CLOSE_WAIT_MS).unref())])
        const result: CommandResult = { code, output: Buffer.concat(chunks).toString('utf8') }
        if (survivors && survivors.length > 0) result.survivors = survivors
        resolve(result)
      })()
    })
  })
}

/** spawn's uid/gid options when the spec switches user in node itself (root on macOS). */
export function uidOf(spec: { uid?: number; gid?: number }): { uid?: number; gid?: number } {
  return spec.uid !== undefined && spec.gid !== undefined ? { uid: spec.uid, gid: spec.gid } : {}
}

export function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split('\n')
  return lines.slice(-count).join('\n')
}
