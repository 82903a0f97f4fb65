// ActionsIO over @actions/core: the only module that imports it, so the rest of
// the action talks to the runner (workflow commands, GITHUB_OUTPUT, the exit
// code) through the interface main.ts hands down.
import * as core from '@actions/core'
import type { ActionsIO } from '../github/actions-io.js'

export const coreIO: ActionsIO = {
  getInput: (name) => core.getInput(name),
  setSecret: (value) => core.setSecret(value),
  debug: (line) => core.debug(line),
  info: (line) => core.info(line),
  notice: (line, at) => core.notice(line, at),
  warning: (line, at) => core.warning(line, at),
  error: (line, at) => core.error(line, at),
  group: (title, fn) => core.group(title, fn),
  setOutput: (name, value) => core.setOutput(name, value),
  setFailed: (message) => core.setFailed(message),
}
