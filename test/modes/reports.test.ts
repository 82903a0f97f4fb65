// Reports from another run: found where actions/download-artifact puts them,
// validated, matched to the commit being commented on, judged by this job.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ACTION_INPUT_DEFAULTS, readActionInputs } from '../../src/run/inputs.js'
import { findReportFiles, readReports } from '../../src/action/report-files.js'
import { UntrustedReportError, verifyReport, withTrustedFields } from '../../src/report/trust.js'
import { parseReport } from '../../src/report/json.js'

const FIXTURES = resolve(import.meta.dirname, '../fixtures/reports')
const LEAK = readFileSync(join(FIXTURES, 'api-leak.json'), 'utf8')
const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'memleak-reports-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('finding and reading reports', () => {
  it('finds report.json in the per-artifact folders download-artifact writes, in order, not through links', async () => {
    const dir = tempDir()
    for (const name of ['memleak-worker', 'memleak-api']) {
      mkdirSync(join(dir, name, 'head'), { recursive: true })
      writeFileSync(join(dir, name, 'report.json'), LEAK)
      writeFileSync(join(dir, name, 'head', 'S0.heap.pb.gz'), 'x')
    }
    const outside = tempDir()
    writeFileSync(join(outside, 'report.json'), LEAK)
    symlinkSync(outside, join(dir, 'linked'))
    expect(await findReportFiles(dir)).toEqual([
      join(dir, 'memleak-api', 'report.json'),
      join(dir, 'memleak-worker', 'report.json'),
    ])
    expect(await findReportFiles(join(dir, 'memleak-api', 'report.json'))).toEqual([
      join(dir, 'memleak-api', 'report.json'),
    ])
    const reports = await readReports(dir)
    expect(reports.map((r) => r.report.meta.package)).toEqual(['./services/api', './services/api'])
  })

  it('says what is missing', async () => {
    const dir = tempDir()
    await expect(findReportFiles(join(dir, 'nope'))).rejects.toThrow(/report-path: .*nope does not exist/)
    await expect(findReportFiles(dir)).rejects.toThrow(/no report\.json under .*artifact-dir/)
  })

  it('rejects a tampered report naming the file and the field', async () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'a'))
    writeFileSync(join(dir, 'a', 'report.json'), LEAK.replace('"schemaVersion": 1', '"schemaVersion": 99'))
    await expect(readReports(dir)).rejects.toThrow(
      /^report a\/report\.json rejected: report\.schemaVersion: expected 2 \(or 1\), got 99 .*not trusted/,
    )
    writeFileSync(join(dir, 'a', 'report.json'), '{"schemaVersion":1,"tool":{"name":"memleak-action"')
    await expect(readReports(dir)).rejects.toThrow(/rejected: report: not valid JSON/)
  })
})

describe('trust', () => {
  const report = parseReport(LEAK)
  const head = report.meta.headSha!

  it('accepts the report of the commit being commented on', () => {
    expect(() =>
      verifyReport(report, { headSha: head.toUpperCase(), repository: 'octo/service', pullRequest: 7 }, 'r'),
    ).not.toThrow()
  })

  it.each([
    [
      { headSha: 'a'.repeat(40) },
      /measured commit [0-9a-f]{12}, but the run being commented on is aaaaaaaaaaaa/,
    ],
    [{ repository: 'evil/fork' }, /measured for octo\/service, not evil\/fork/],
    [{ pullRequest: 8 }, /pull request #7, not #8/],
  ])('refuses a stale or foreign report (%j)', (expected, message) => {
    expect(() => verifyReport(report, expected, 'r')).toThrow(UntrustedReportError)
    expect(() => verifyReport(report, expected, 'r')).toThrow(message)
  })

  it('refuses a report that does not say which commit it measured', () => {
    const meta = { ...report.meta, headSha: undefined }
    expect(() => verifyReport({ ...report, meta }, { headSha: head }, 'r')).toThrow(
      /meta\.headSha is missing/,
    )
  })

  it('takes the comment id, fail-on, server and repository from this job, not the artifact', () => {
    const forged = {
      ...report,
      failures: [],
      meta: { ...report.meta, failOn: ['none'], serverUrl: 'https://evil.example' },
    }
    const trusted = withTrustedFields(forged, {
      commentId: 'comment:api',
      failOn: ['new-leak'],
      serverUrl: 'https://github.com',
      repository: 'octo/service',
    })
    expect(trusted.meta).toMatchObject({
      commentId: 'comment:api',
      failOn: ['new-leak'],
      serverUrl: 'https://github.com',
    })
    expect(trusted.failures).toHaveLength(1)
    expect(trusted.failures[0]).toMatch(
      /^new leak on head \(fail-on: new-leak\): heap-leak .* main\.rememberResponse/,
    )
    expect(
      withTrustedFields(report, { commentId: 'x', failOn: ['none'], serverUrl: 'https://github.com' })
        .failures,
    ).toEqual([])
  })
})

describe('action inputs', () => {
  it('keeps action.yml and the defaults in step', () => {
    const yml = readFileSync(resolve(import.meta.dirname, '../../action.yml'), 'utf8')
    for (const [name, value] of Object.entries(ACTION_INPUT_DEFAULTS)) {
      const block = new RegExp(`\\n  ${name}:\\n(?:    .*\\n)*?    default: (.*)\\n`).exec(yml)
      expect(block, `action.yml has input ${name}`).not.toBeNull()
      expect(block![1].trim().replace(/^'(.*)'$/, '$1'), `default of ${name}`).toBe(value)
    }
  })

  const given = (values: Record<string, string>) => (name: string) => values[name] ?? ''

  it('reads the defaults', () => {
    expect(readActionInputs(given({}))).toEqual({
      mode: 'full',
      reportPath: '',
      checkName: '',
      deleteCommentWhenClean: false,
      commentAuthor: '',
      uploadArtifact: true,
      reviewComments: true,
      allowUntrustedCode: false,
    })
  })

  it('review-comments: by mode when empty (full and comment), as given otherwise', () => {
    const review = (values: Record<string, string>) => readActionInputs(given(values)).reviewComments
    expect([review({ mode: 'full' }), review({ mode: 'comment' })]).toEqual([true, true])
    expect([review({ mode: 'analyze' }), review({ mode: 'aggregate' })]).toEqual([false, false])
    expect(review({ mode: 'full', 'review-comments': 'false' })).toBe(false)
    expect(review({ mode: 'aggregate', 'review-comments': 'true' })).toBe(true)
  })

  it.each([
    [{ mode: 'publish' }, 'mode: expected one of full, analyze, comment, aggregate, got "publish"'],
    [{ 'upload-artifact': 'yes please' }, 'upload-artifact: expected true or false'],
    [{ 'check-name': 'a\nb' }, 'check-name: expected one line'],
    [{ 'delete-comment-when-clean': 'maybe' }, 'delete-comment-when-clean: expected true or false'],
    [{ 'comment-author': '@someone' }, 'comment-author: expected a GitHub login'],
    [{ 'review-comments': 'sometimes' }, 'review-comments: expected true or false, got "sometimes"'],
  ])('rejects %j naming the input', (values, message) => {
    expect(() => readActionInputs(given(values))).toThrow(message)
  })
})
