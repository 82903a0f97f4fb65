// A local stand-in for the Actions artifact service (v4), over real HTTP on
// 127.0.0.1, so the real @actions/artifact client (its Twirp JSON calls, the
// Azure blob client's block upload, the download's redirect) talks to it:
//   POST /twirp/github.actions.results.api.v1.ArtifactService/{CreateArtifact,
//        FinalizeArtifact, ListArtifacts, GetSignedArtifactURL}
//   PUT  /devstoreaccount1/artifacts/<id>.zip?comp=block|blocklist  (the signed upload URL)
//   GET  /devstoreaccount1/artifacts/<id>.zip                       (the signed download URL)
// and, for another run's artifacts (findBy), the REST routes through the GitHub
// API stand-in: GET /repos/:o/:r/actions/runs/:id/artifacts and
// GET /repos/:o/:r/actions/artifacts/:id/zip (a 302 to the blob).
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { deflateRawSync } from 'node:zlib'
import { crc32 } from 'node:zlib'
import type { GitHubApi } from './github-api.js'

const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/'

export interface StoredArtifact {
  id: number
  /** The workflow run backend id from the runtime token (a run id here). */
  run: string
  job: string
  name: string
  finalized: boolean
  zip?: Buffer
  size: number
  /** sha256:<hex> of the zip, as FinalizeArtifact sent it. */
  digest?: string
  createdAt: string
  blocks: Map<string, Buffer>
}

export interface ArtifactCall {
  method: string
  path: string
  body?: unknown
  authorization?: string
}

export interface ArtifactService {
  /** ACTIONS_RESULTS_URL */
  url: string
  artifacts: StoredArtifact[]
  calls: ArtifactCall[]
  /** An ACTIONS_RUNTIME_TOKEN for a job of this run: a JWT whose scp holds Actions.Results:<run>:<job>. */
  runtimeToken(run: string | number, job?: string): string
  /** A finalized artifact as if a job of `run` had uploaded it (for hostile ones). */
  seed(run: string | number, name: string, zip: Buffer, digest?: string): StoredArtifact
  /** The next `count` Twirp calls answer `status` (403 is not retried by the client). */
  failNext(status: number, count?: number): void
  /** Serves the REST routes of `findBy` downloads on the GitHub API stand-in. */
  attachRest(api: GitHubApi): void
  close(): Promise<void>
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

export async function startArtifactService(): Promise<ArtifactService> {
  const artifacts: StoredArtifact[] = []
  const calls: ArtifactCall[] = []
  const failures: number[] = []
  let nextId = 71
  let base = ''

  const blobPath = (a: StoredArtifact): string => `/devstoreaccount1/artifacts/${a.id}.zip`
  const signed = (a: StoredArtifact, sig: string): string =>
    `${base}${blobPath(a)}?sv=2024-01-01&se=2099-01-01T00%3A00%3A00Z&sp=rw&sig=${sig}`
  const listed = (a: StoredArtifact) => ({
    workflow_run_backend_id: a.run,
    workflow_job_run_backend_id: a.job,
    database_id: String(a.id),
    name: a.name,
    size: String(a.size),
    created_at: a.createdAt,
    ...(a.digest ? { digest: a.digest } : {}),
  })

  const twirp = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const raw = await readBody(req)
    const call: ArtifactCall = { method: req.method ?? 'GET', path: url.pathname + url.search }
    call.authorization = req.headers.authorization
    calls.push(call)

    if (url.pathname.startsWith(SERVICE) && req.method === 'POST') {
      const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>
      call.body = body
      const failure = failures.shift()
      if (failure) return twirp(res, failure, { code: 'permission_denied', msg: 'stand-in failure' })
      if (!req.headers.authorization?.startsWith('Bearer '))
        return twirp(res, 401, { code: 'unauthenticated', msg: 'no token' })
      const run = String(body.workflow_run_backend_id ?? '')
      const method = url.pathname.slice(SERVICE.length)
      if (method === 'CreateArtifact') {
        const name = String(body.name)
        if (artifacts.some((a) => a.run === run && a.name === name))
          return twirp(res, 409, { code: 'already_exists', msg: `an artifact named ${name} already exists` })
        const a: StoredArtifact = {
          id: nextId++,
          run,
          job: String(body.workflow_job_run_backend_id ?? ''),
          name,
          finalized: false,
          size: 0,
          createdAt: new Date().toISOString(),
          blocks: new Map(),
        }
        artifacts.push(a)
        return twirp(res, 200, { ok: true, signed_upload_url: signed(a, 'upload') })
      }
      if (method === 'FinalizeArtifact') {
        const a = artifacts.find((x) => x.run === run && x.name === body.name && !x.finalized)
        if (!a?.zip) return twirp(res, 404, { code: 'not_found', msg: 'no uploaded blob' })
        a.finalized = true
        a.size = a.zip.length
        a.digest = typeof body.hash === 'string' ? body.hash : undefined
        return twirp(res, 200, { ok: true, artifact_id: String(a.id) })
      }
      if (method === 'ListArtifacts') {
        const idFilter = body.id_filter === undefined ? undefined : String(body.id_filter)
        const found = artifacts.filter(
          (a) =>
            a.finalized &&
            a.run === run &&
            (idFilter === undefined || String(a.id) === idFilter) &&
            (body.name_filter === undefined || a.name === body.name_filter),
        )
        return twirp(res, 200, { artifacts: found.map(listed) })
      }
      if (method === 'GetSignedArtifactURL') {
        const a = artifacts.find((x) => x.finalized && x.run === run && x.name === body.name)
        if (!a) return twirp(res, 404, { code: 'not_found', msg: 'artifact not found' })
        return twirp(res, 200, { signed_url: signed(a, 'download') })
      }
      return twirp(res, 404, { code: 'bad_route', msg: method })
    }

    const blob = /^\/devstoreaccount1\/artifacts\/(\d+)\.zip$/.exec(url.pathname)
    const a = blob ? artifacts.find((x) => x.id === Number(blob[1])) : undefined
    const azure = {
      'x-ms-request-id': `req-${calls.length}`,
      'x-ms-version': '2024-05-04',
      date: new Date().toUTCString(),
    }
    if (!a || !url.searchParams.get('sig')) {
      res.writeHead(404, azure)
      return void res.end()
    }
    if (req.method === 'PUT') {
      const comp = url.searchParams.get('comp')
      if (comp === 'block') a.blocks.set(url.searchParams.get('blockid') ?? '', raw)
      else if (comp === 'blocklist') {
        const ids = [...raw.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)</g)].map(
          (m) => m[1],
        )
        a.zip = Buffer.concat(ids.map((id) => a.blocks.get(id) ?? Buffer.alloc(0)))
      } else a.zip = raw
      res.writeHead(201, { ...azure, etag: '"0x1"', 'last-modified': new Date().toUTCString() })
      return void res.end()
    }
    if (req.method === 'GET' && a.zip) {
      res.writeHead(200, { ...azure, 'content-type': 'application/zip', 'content-length': a.zip.length })
      return void res.end(a.zip)
    }
    res.writeHead(405, azure)
    res.end()
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ msg: `stand-in error: ${(error as Error).message}` }))
    })
  })
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url: base,
    artifacts,
    calls,
    runtimeToken(run, job = 'job-1') {
      return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ scp: `Actions.GenericRead:0 Actions.Results:${run}:${job}` })}.c2ln`
    },
    seed(run, name, zip, digest) {
      const a: StoredArtifact = {
        id: nextId++,
        run: String(run),
        job: 'job-1',
        name,
        finalized: true,
        zip,
        size: zip.length,
        digest: digest ?? `sha256:${createHash('sha256').update(zip).digest('hex')}`,
        createdAt: new Date().toISOString(),
        blocks: new Map(),
      }
      artifacts.push(a)
      return a
    },
    failNext(status, count = 1) {
      for (let i = 0; i < count; i++) failures.push(status)
    },
    attachRest(api) {
      api.route('GET', /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/(\d+)\/artifacts$/, (match, query) => {
        const list = artifacts.filter((a) => a.finalized && a.run === match[1])
        const perPage = Number(query.per_page ?? 30) || 30
        const page = Number(query.page ?? 1) || 1
        return {
          status: 200,
          body: {
            total_count: list.length,
            artifacts: list.slice((page - 1) * perPage, page * perPage).map((a) => ({
              id: a.id,
              node_id: `MDg6QXJ0aWZhY3Q${a.id}`,
              name: a.name,
              size_in_bytes: a.size,
              archive_download_url: `${api.url}/repos/octo/service/actions/artifacts/${a.id}/zip`,
              expired: false,
              created_at: a.createdAt,
              updated_at: a.createdAt,
              digest: a.digest,
              workflow_run: { id: Number(a.run) },
            })),
          },
        }
      })
      api.route('GET', /^\/repos\/[^/]+\/[^/]+\/actions\/artifacts\/(\d+)\/zip$/, (match) => {
        const a = artifacts.find((x) => x.finalized && x.id === Number(match[1]))
        if (!a) return { status: 404, body: { message: 'Not Found' } }
        return { status: 302, headers: { location: signed(a, 'download') } }
      })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}

export interface ZipInput {
  name: string
  data?: Buffer | string
  /** Unix mode, e.g. 0o120777 for a symbolic link (its data is the target). */
  mode?: number
  /** Stored (0) or deflated (8, the default). */
  method?: 0 | 8
  /** Claimed size in the directory, when it should lie. */
  declaredSize?: number
}

/** A zip as archiver writes one (Unix attributes), small enough to build hostile ones by hand. */
export function makeZip(entries: ZipInput[]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '')
    const method = e.method ?? 8
    const body = method === 8 ? deflateRawSync(data) : data
    const name = Buffer.from(e.name)
    const crc = crc32(data)
    const size = e.declaredSize ?? data.length
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(method, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(body.length, 18)
    local.writeUInt32LE(size, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(method, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(body.length, 20)
    central.writeUInt32LE(size, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, body)
    centrals.push(central, name)
    offset += 30 + name.length + body.length
  }
  const dir = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(dir.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, dir, end])
}
