import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../../src/model/errors.js'
import { readRequestsFile } from '../../src/load/requests-file.js'

const root = mkdtempSync(join(tmpdir(), 'memleak-reqfile-'))
const base = join(root, 'base')
const head = join(root, 'head')
for (const tree of [base, head]) mkdirSync(join(tree, 'load'), { recursive: true })
writeFileSync(join(base, 'load/api.http'), 'GET /from-base\n')
writeFileSync(join(head, 'load/api.http'), 'GET /from-head\n')
writeFileSync(join(head, 'load/new.http'), 'GET /new\n')
writeFileSync(join(root, 'outside.http'), 'GET /outside\n')
symlinkSync(join(root, 'outside.http'), join(head, 'load/link.http'))
symlinkSync(root, join(head, 'up'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('readRequestsFile', () => {
  it("takes base's file when base has it, head's only when base has none", () => {
    expect(readRequestsFile('load/api.http', { base, head })).toEqual({
      side: 'base',
      requests: [{ method: 'GET', path: '/from-base' }],
    })
    expect(readRequestsFile('load/new.http', { base, head })).toEqual({
      side: 'head',
      requests: [{ method: 'GET', path: '/new' }],
    })
    expect(readRequestsFile('load/api.http', { head }).requests[0]!.path).toBe('/from-head')
  })

  it.each([
    ['load/missing.http', /requests-file: load\/missing\.http is in neither base nor head/],
    [
      'load/link.http',
      /requests-file: expected a plain file of at most 1 MiB \(not a link\), load\/link\.http on head/,
    ],
    ['up/outside.http', /not a link\), up\/outside\.http on head is not one/],
    ['load', /expected a plain file/],
  ])('%s is refused', (file, message) => {
    expect(() => readRequestsFile(file, { base, head })).toThrow(UsageError)
    expect(() => readRequestsFile(file, { base, head })).toThrow(message)
  })

  it('names the file and side in a parse error', () => {
    writeFileSync(join(head, 'load/bad.http'), 'GET /a\n###\nFETCH /b\n')
    expect(() => readRequestsFile('load/bad.http', { base, head })).toThrow(
      /^requests-file load\/bad\.http \(head\) line 3: unknown method FETCH/,
    )
  })
})
