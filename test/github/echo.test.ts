// Echoed text from the PR's code never becomes a workflow command, and measuring
// refuses the events that would hand the PR's code the base's secrets.
import { describe, expect, it } from 'vitest'
import { inert, mayHoldCommands } from '../../src/github/echo.js'
import { refusePrivilegedEvent } from '../../src/action/measure-mode.js'

describe('inert', () => {
  it('wraps text that could hold a command in a stop-commands block with an unguessable token', () => {
    const text = 'panic: boom\n::set-output name=leak::false\n##[set-output name=leak;]false'
    const out = inert(text)
    const [first, ...rest] = out.split('\n')
    const token = /^::stop-commands::([0-9a-f]{32})$/.exec(first!)![1]
    expect(rest.pop()).toBe(`::${token}::`)
    expect(rest.join('\n')).toBe(text)
    expect(inert(text)).not.toBe(out)
  })

  it('leaves plain lines alone and never lets the text end the block itself', () => {
    expect(inert('head: ready after 0.1 s')).toBe('head: ready after 0.1 s')
    expect(mayHoldCommands('a ::b')).toBe(true)
    expect(inert('::abc::\n::set-output x', 'abc')).toMatch(/^::stop-commands::(?!abc\n)[0-9a-f]{32}\n/)
  })
})

describe('privileged events', () => {
  it.each(['pull_request_target', 'workflow_run', 'issue_comment'])(
    '%s is refused in one line naming the fork-safe pair',
    (event) => {
      expect(() => refusePrivilegedEvent(event, false)).toThrow(
        new RegExp(
          `^${event}: refusing to build and run code here: .*mode: analyze.*mode: comment.*allow-untrusted-code: true`,
        ),
      )
      expect(() => refusePrivilegedEvent(event, true)).not.toThrow()
    },
  )

  it('pull_request, push and a local run measure as before', () => {
    for (const event of ['pull_request', 'push', 'schedule', undefined])
      expect(() => refusePrivilegedEvent(event, false)).not.toThrow()
  })
})
