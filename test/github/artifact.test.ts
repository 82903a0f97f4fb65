import { describe, expect, it } from 'vitest'
import { artifactName, uploadArtifact, type ArtifactUploader } from '../../src/github/artifact.js'

function recorder(response: { id?: number; size?: number } = { id: 7, size: 1234 }) {
  const calls: unknown[][] = []
  const uploader: ArtifactUploader = {
    async uploadArtifact(...args) {
      calls.push(args)
      return response
    },
  }
  return { uploader, calls }
}

describe('uploadArtifact', () => {
  it('uploads the files under their root and links the artifact page', async () => {
    const { uploader, calls } = recorder()
    const result = await uploadArtifact(uploader, {
      name: 'memleak-api',
      files: ['/tmp/out/base.pb.gz', '/tmp/out/head/S0.heap.pb.gz', '/tmp/out/report.json'],
      rootDirectory: '/tmp/out',
      retentionDays: 14,
      serverUrl: 'https://github.com/',
      repository: 'acme/shop',
      runId: '99',
    })
    expect(calls).toEqual([
      [
        'memleak-api',
        ['/tmp/out/base.pb.gz', '/tmp/out/head/S0.heap.pb.gz', '/tmp/out/report.json'],
        '/tmp/out',
        { retentionDays: 14 },
      ],
    ])
    expect(result).toEqual({
      name: 'memleak-api',
      id: 7,
      size: 1234,
      url: 'https://github.com/acme/shop/actions/runs/99/artifacts/7',
    })
  })

  it('refuses files outside the root before uploading anything', async () => {
    const { uploader, calls } = recorder()
    await expect(
      uploadArtifact(uploader, {
        name: 'x',
        files: ['/tmp/out/a', '/etc/passwd'],
        rootDirectory: '/tmp/out',
      }),
    ).rejects.toThrow('artifact: /etc/passwd is not under /tmp/out')
    expect(calls).toEqual([])
  })

  it('has no link without the run or an id', async () => {
    expect(
      (await uploadArtifact(recorder().uploader, { name: 'x', files: ['/o/a'], rootDirectory: '/o' })).url,
    ).toBeUndefined()
    const noId = recorder({})
    expect(
      (
        await uploadArtifact(noId.uploader, {
          name: 'x',
          files: ['/o/a'],
          rootDirectory: '/o',
          serverUrl: 'https://github.com',
          repository: 'a/b',
          runId: '1',
        })
      ).url,
    ).toBeUndefined()
  })
})

describe('artifactName', () => {
  it('drops characters the upload API refuses', () => {
    expect(artifactName('memleak-memleak/./cmd/api')).toBe('memleak-memleak-.-cmd-api')
    expect(artifactName('a:b<c>d|e*f?g"h\\i\nj')).toBe('a-b-c-d-e-f-g-h-i-j')
    expect(artifactName('///')).toBe('memleak')
  })
})
