// The fork-safe pair through the bundle (node dist/index.js), with no
// upload-artifact or download-artifact step: `analyze` on pull_request measures
// a leaking PR and uploads its run directory with @actions/artifact to the local
// artifact service stand-in; `comment` on workflow_run, without report-path,
// downloads that artifact through the REST stand-in (findBy) and posts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startArtifactService, type ArtifactService } from '../support/artifact-service.js'
import { makeFixtureRepo } from '../support/fixture-repo.js'
import { startGitHubApi, type GitHubApi } from '../support/github-api.js'
import { SHORT_LOAD, TOKEN } from '../support/pr-run.js'
import { DIST_INDEX, freePort, processesMentioning, runAction } from '../support/run-action.js'

const MEASURING_RUN = 8181

describe.runIf(existsSync(DIST_INDEX))('artifacts through the bundle (node dist/index.js)', () => {
  let api: GitHubApi
  let service: ArtifactService
  let root: string

  beforeAll(async () => {
    api = await startGitHubApi()
    service = await startArtifactService()
    service.attachRest(api)
    root = mkdtempSync(join(tmpdir(), 'memleak-artifact-e2e-'))
  })
  afterAll(async () => {
    await api.close()
    await service.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('analyze uploads the profiles, logs and report; comment downloads the artifact and links it', async () => {
    const repo = makeFixtureRepo('healthy', 'mapcache')
    try {
      const measured = await runAction({
        workspace: repo.dir,
        apiUrl: api.url,
        pullRequest: { number: 31, baseSha: repo.baseSha, headSha: repo.headSha },
        inputs: { mode: 'analyze', package: './cmd/api', port: String(await freePort()), ...SHORT_LOAD },
        env: {
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_RUN_ID: String(MEASURING_RUN),
          ACTIONS_RUNTIME_TOKEN: service.runtimeToken(MEASURING_RUN),
          ACTIONS_RESULTS_URL: `${service.url}/`,
        },
      })
      expect(processesMentioning(repo.dir)).toEqual([])
      // The verdict is the measurement's (a new leak), not the upload's.
      expect(measured.code, measured.stdout.slice(-2000)).toBe(1)
      const [stored] = service.artifacts
      expect(stored).toMatchObject({ name: 'memleak-memleak-cmd-api', finalized: true })
      expect(measured.outputs['artifact-id']).toBe(String(stored.id))
      expect(measured.outputs['artifact-url']).toBe(
        `https://github.com/octo/service/actions/runs/${MEASURING_RUN}/artifacts/${stored.id}`,
      )
      const names = stored.zip!.toString('latin1')
      for (const file of [
        'report.json',
        'base.pb.gz',
        'head.pb.gz',
        'head/S0.heap.pb.gz',
        'head/Sf.heap.pb.gz',
      ])
        expect(names).toContain(file)
      expect(names).toMatch(/base\/[^/\0]*\.log/)
      expect(measured.summary).toContain(measured.outputs['artifact-url'])

      // The comment workflow: a workflow_run event for the measuring run; no files of its own.
      const eventPath = join(mkdtempSync(join(root, 'event-')), 'event.json')
      writeFileSync(
        eventPath,
        JSON.stringify({
          action: 'completed',
          repository: { full_name: 'octo/service' },
          workflow_run: {
            id: MEASURING_RUN,
            event: 'pull_request',
            head_sha: repo.headSha,
            pull_requests: [{ number: 31, head: { sha: repo.headSha } }],
          },
        }),
      )
      const commented = await runAction({
        workspace: root,
        apiUrl: api.url,
        inputs: { mode: 'comment', 'github-token': TOKEN },
        env: {
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_EVENT_NAME: 'workflow_run',
          GITHUB_EVENT_PATH: eventPath,
          GITHUB_JOB: 'comment',
          GITHUB_RUN_ID: '8282',
        },
        timeoutMs: 30_000,
      })
      expect(commented.code, commented.stdout.slice(-2000)).toBe(1)
      expect((commented.stdout + commented.stderr).replace(/^::add-mask::.*$/gm, '')).not.toContain(TOKEN)
      const [comment] = api.comments('octo', 'service', 31)
      expect(comment.body).toMatch(/^<!-- memleak-action:comment:\.:\. -->\n### ❌ New heap leak/)
      expect(comment.body).toContain(`(${measured.outputs['artifact-url']})`)
    } finally {
      repo.remove()
    }
  }, 120_000)
})
