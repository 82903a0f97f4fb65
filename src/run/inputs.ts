// One typed Inputs object, validated up front: every error names the input and
// shows the expected form, before anything is built or started.
import { UsageError } from '../model/errors.js'
import {
  ACTION_INPUT_DEFAULTS,
  INPUT_DEFAULTS,
  type ActionInputName,
  type InputName,
} from '../model/input-defaults.js'
import { parseHeaderLines, parseRequests, type LoadRequest } from '../load/requests.js'
import { parseEnvLines } from '../service/service-env.js'
import type { FailOnWord } from '../report/verdict.js'
import {
  parseArgs,
  parseBoolean,
  parseDuration,
  parseFraction,
  parseHttpUrl,
  parseInteger,
  parseSize,
} from './input-parsers.js'
import {
  gitRef,
  packagePath,
  parseFailOn,
  parseMemoryLimit,
  parseRate,
  plainText,
  relativePath,
} from './input-values.js'

// The defaults live in the model: the CLI, the comment's "reproduce locally" and this
// file read the same table.
export {
  ACTION_INPUT_DEFAULTS,
  INPUT_DEFAULTS,
  type ActionInputName,
  type InputName,
} from '../model/input-defaults.js'

export interface Inputs {
  workingDirectory: string
  package: string
  buildCommand: string
  args: string[]
  env: Record<string, string>
  port: number
  pprofUrl: string
  readyUrl: string
  /** Whether ready-url was given: then it is the service's own readiness check, else its first route is. */
  readyUrlGiven: boolean
  readyTimeoutMs: number
  requests: LoadRequest[]
  /** A request file (.http) in the repository, read from base's tree when base has it; replaces `requests`. */
  requestsFile: string
  /** Sent with every request. */
  headers: [string, string][]
  /** Cap on requests per second for the whole load; undefined: as fast as the service answers. */
  rate?: number
  /** The workflow's own shell command, run before each side is measured (e.g. to reset a database). */
  setupCommand: string
  durationMs: number
  warmupMs: number
  connections: number
  snapshots: number
  /** Sequential stopping (stop-early): a side ends when its answer is known; durationMs is its longest. */
  stopEarly: boolean
  /** Bytes per request a clean side must be able to see before it stops early. */
  minLeak: number
  baseRef: string
  failOn: FailOnWord[]
  regressionThreshold: number
  /** Bytes per heap sample, given to the service as GODEBUG=memprofilerate. */
  memProfileRate: number
  comment: boolean
  commentId: string
  timeoutMs: number
  /** Seconds of execution trace taken during head's load (0: none). */
  traceSeconds: number
  /** Measure head twice (A/A) and report the noise. */
  selfCheck: boolean
  /** Cap on one profile's gunzipped size: a decompression bomb fails cleanly instead of exhausting memory. */
  maxProfileBytes: number
  /** Bytes the sandbox's cgroup lets a side's processes hold; undefined: no limit (memory-limit: none). */
  memoryLimit?: number
}

/** Bytes per request: "32B", "1KiB", or a bare number of bytes. */
function parseMinLeak(raw: string): number {
  const text = /^\s*\d+\s*$/.test(raw) ? `${raw.trim()}B` : raw
  try {
    return parseSize('min-leak', text, 1, 1024 ** 2)
  } catch {
    throw new UsageError(
      `min-leak: expected bytes per request from 1B to 1MiB, like 32B or 1KiB, got ${JSON.stringify(raw)}`,
    )
  }
}

/**
 * Reads and validates every input. `get` returns the raw text of an input or ''
 * (core.getInput in the action, flags in the CLI); '' means the default.
 */
export function readInputs(get: (name: InputName) => string): Inputs {
  const value = (name: InputName): string => {
    const raw = plainText(name, get(name))
    return raw.trim() === '' ? INPUT_DEFAULTS[name] : raw
  }
  const port = parseInteger('port', value('port'), 1, 65535)
  const pprofUrl = parseHttpUrl(
    'pprof-url',
    value('pprof-url') || `http://127.0.0.1:${port}/debug/pprof`,
  ).replace(/\/+$/, '')
  const readyUrl = parseHttpUrl('ready-url', value('ready-url') || `${pprofUrl}/`)
  const requestsFile = value('requests-file').trim()
  if (requestsFile && value('requests').trim() !== INPUT_DEFAULTS.requests) {
    throw new UsageError('requests-file: give either requests or requests-file, not both')
  }
  const durationMs = parseDuration('duration', value('duration'))
  const snapshots = parseInteger('snapshots', value('snapshots'), 3, 60)
  const stopEarly = parseBoolean('stop-early', value('stop-early'))
  // The sequential schedule has its own spacing; the fixed one must leave room between snapshots.
  if (!stopEarly && durationMs / snapshots < 500) {
    throw new UsageError(
      `snapshots: ${snapshots} snapshots in ${value('duration')} leaves under 0.5 s between them; use fewer or a longer duration`,
    )
  }
  const rate = value('rate').trim() ? parseRate(value('rate')) : undefined
  if (!stopEarly && rate !== undefined && (rate * durationMs) / snapshots / 1000 < 10) {
    // Fewer would read as "the service stopped answering" between two snapshots, and the
    // per-window allocation figures would rest on a handful of requests.
    throw new UsageError(
      `rate: ${rate} requests/s leaves under 10 requests between snapshots (${snapshots} in ${value('duration')}); raise it, or use fewer snapshots`,
    )
  }
  return {
    workingDirectory: relativePath('working-directory', value('working-directory')),
    package: packagePath(value('package')),
    buildCommand: value('build-command').trim(),
    args: parseArgs('args', value('args')),
    env: parseEnvLines(value('env')),
    port,
    pprofUrl,
    readyUrl,
    readyUrlGiven: value('ready-url').trim() !== '',
    readyTimeoutMs: parseDuration('ready-timeout', value('ready-timeout')),
    requests: parseRequests(value('requests')),
    requestsFile: requestsFile ? relativePath('requests-file', requestsFile) : '',
    headers: parseHeaderLines(value('headers')),
    ...(rate !== undefined ? { rate } : {}),
    setupCommand: value('setup-command').trim(),
    durationMs,
    warmupMs: parseDuration('warmup', value('warmup'), { allowZero: true }),
    connections: parseInteger('connections', value('connections'), 1, 1024),
    snapshots,
    stopEarly,
    minLeak: parseMinLeak(value('min-leak')),
    baseRef: gitRef(value('base-ref')),
    failOn: parseFailOn(value('fail-on')),
    regressionThreshold: parseFraction('regression-threshold', value('regression-threshold')),
    memProfileRate: parseInteger('memprofilerate', value('memprofilerate'), 1, 1 << 30),
    comment: parseBoolean('comment', value('comment')),
    commentId: value('comment-id').trim(),
    timeoutMs: parseDuration('timeout', value('timeout')),
    traceSeconds: parseDuration('trace', value('trace'), { allowZero: true }) / 1000,
    selfCheck: parseBoolean('self-check', value('self-check')),
    // 4 GiB: the largest buffer Node 20 makes (buffer.constants.MAX_LENGTH on 64-bit).
    maxProfileBytes: parseSize('max-profile-size', value('max-profile-size'), 1024, 4 * 1024 ** 3),
    memoryLimit: parseMemoryLimit(value('memory-limit')),
  }
}

export const MODES = ['full', 'analyze', 'comment', 'aggregate'] as const
export type Mode = (typeof MODES)[number]

export interface ActionInputs {
  /** full: measure and publish; analyze: measure, no API; comment/aggregate: publish reports measured elsewhere. */
  mode: Mode
  /** A report.json, or a directory searched for them (comment and aggregate modes); empty: download the run's artifacts. */
  reportPath: string
  /** Creates a check run of this name on the head commit when set. */
  checkName: string
  deleteCommentWhenClean: boolean
  /** Only comments by this login count as ours; any author when empty. */
  commentAuthor: string
  /** Upload the run directory as an artifact (modes full and analyze). */
  uploadArtifact: boolean
  /** Review comments on the PR's leaking lines; by default on in modes full and comment. */
  reviewComments: boolean
  /** Build and run head's code even on an event that holds the base's secrets (pull_request_target). */
  allowUntrustedCode: boolean
}

export function readActionInputs(get: (name: ActionInputName) => string): ActionInputs {
  const value = (name: ActionInputName): string => {
    const raw = plainText(name, get(name))
    return raw.trim() === '' ? ACTION_INPUT_DEFAULTS[name] : raw.trim()
  }
  const mode = value('mode').toLowerCase()
  if (!(MODES as readonly string[]).includes(mode))
    throw new UsageError(`mode: expected one of ${MODES.join(', ')}, got ${JSON.stringify(value('mode'))}`)
  // Without report-path, modes comment and aggregate download the measuring run's artifacts.
  const reportPath = value('report-path')
  const checkName = value('check-name')
  if (checkName.length > 100 || /[\r\n]/.test(checkName))
    throw new UsageError('check-name: expected one line of at most 100 characters')
  const commentAuthor = value('comment-author')
  if (commentAuthor && !/^[A-Za-z0-9-]+(\[bot\])?$/.test(commentAuthor))
    throw new UsageError(
      `comment-author: expected a GitHub login like github-actions[bot], got ${JSON.stringify(commentAuthor)}`,
    )
  return {
    mode: mode as Mode,
    reportPath,
    checkName,
    deleteCommentWhenClean: parseBoolean('delete-comment-when-clean', value('delete-comment-when-clean')),
    commentAuthor,
    uploadArtifact: parseBoolean('upload-artifact', value('upload-artifact')),
    // Empty means "by mode": the modes that post for one measured report.
    reviewComments: value('review-comments')
      ? parseBoolean('review-comments', value('review-comments'))
      : mode === 'full' || mode === 'comment',
    allowUntrustedCode: parseBoolean('allow-untrusted-code', value('allow-untrusted-code')),
  }
}
