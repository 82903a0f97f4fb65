// Every input's default, as the user writes it: one table that action.yml must
// agree with (a test keeps them equal), the CLI's flags and help show, readInputs
// falls back to, and "reproduce locally" leaves out.
/** Defaults of every input; action.yml states the same (a test keeps them equal). */
export const INPUT_DEFAULTS = {
  'working-directory': '.',
  package: '.',
  'build-command': '',
  args: '',
  env: '',
  port: '8080',
  'pprof-url': '',
  'ready-url': '',
  'ready-timeout': '30s',
  requests: 'GET /',
  'requests-file': '',
  headers: '',
  rate: '',
  'setup-command': '',
  duration: '60s',
  warmup: '5s',
  connections: '16',
  snapshots: '6',
  'stop-early': 'true',
  'min-leak': '32B',
  'base-ref': '',
  'fail-on': 'new-leak,regression,no-verdict',
  'regression-threshold': '10%',
  memprofilerate: '65536',
  comment: 'true',
  'comment-id': '',
  timeout: '15m',
  trace: '3s',
  'self-check': 'false',
  'max-profile-size': '256MiB',
  'memory-limit': 'auto',
} as const

export type InputName = keyof typeof INPUT_DEFAULTS

/**
 * Inputs of the action alone (the CLI has no use for them): what the step does
 * with the measurement, or with reports measured elsewhere. action.yml states the
 * same defaults (a test keeps them equal).
 */
export const ACTION_INPUT_DEFAULTS = {
  mode: 'full',
  'report-path': '',
  'check-name': '',
  'delete-comment-when-clean': 'false',
  'comment-author': '',
  'upload-artifact': 'true',
  'review-comments': '',
  'allow-untrusted-code': 'false',
} as const

export type ActionInputName = keyof typeof ACTION_INPUT_DEFAULTS
