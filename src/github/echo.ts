// Text that came from the pull request's code (a service's log, a build's output,
// an error body) must never become a workflow command: the runner obeys any
// `::name::` (or legacy `##[name]`) line on our stdout, so `::add-mask::`,
// `::set-output` or `::stop-commands::` in a service's log would be ours to obey.
// Such text goes out between `::stop-commands::<token>` and `::<token>::`, with a
// token the text cannot guess, inside which the runner treats every line as text.
import { randomBytes } from 'node:crypto'

/** Whether a line of this text could be read as a workflow command. */
export function mayHoldCommands(text: string): boolean {
  return text.includes('::') || text.includes('##[')
}

/** The text as it is safe to print: wrapped in a stop-commands block when it could hold a command. */
export function inert(text: string, token: string = randomBytes(16).toString('hex')): string {
  if (!mayHoldCommands(text)) return text
  // A token the text contains could end the block early: draw another (never happens with 128 random bits).
  while (text.includes(token)) token = randomBytes(16).toString('hex')
  return `::stop-commands::${token}\n${text}\n::${token}::`
}
