// A local stand-in for the parts of GitHub's REST API the action uses, served
// over real HTTP on 127.0.0.1 so the real Octokit (retries, pagination, auth
// header) talks to it. It records every request and can fail on demand.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  /** Path without the query string, e.g. /repos/octo/service/issues/1/comments. */
  path: string
  query: Record<string, string>
  /** Lower-case header names, as Node gives them. */
  headers: Record<string, string | undefined>
  body?: unknown
  /** The status the stand-in answered. */
  status: number
}

export interface StoredComment {
  id: number
  node_id: string
  body: string
  user: { login: string; type: string }
  html_url: string
  url: string
  issue_url: string
  created_at: string
  updated_at: string
}

export interface StoredCheckRun {
  id: number
  owner: string
  repo: string
  [key: string]: unknown
}

export interface StoredPull {
  owner: string
  repo: string
  number: number
  state: 'open' | 'closed'
  headSha: string
  headRef: string
  /** Owner of the head repository: a fork's owner for a fork's PR. */
  headOwner: string
}

export interface GitHubApiState {
  /** Comments by "owner/repo#number", oldest first. */
  comments: Map<string, StoredComment[]>
  checkRuns: StoredCheckRun[]
  pulls: StoredPull[]
  requests: RecordedRequest[]
  readOnly: boolean
  /** GET /commits/{sha}/pulls leaves out PRs whose head is in a fork (as it can on GitHub). */
  commitPullsSkipForks: boolean
}

export interface GitHubApi {
  /** Base URL to give Octokit (GITHUB_API_URL). */
  url: string
  state: GitHubApiState
  /** Same array as state.requests. */
  requests: RecordedRequest[]
  comments(owner: string, repo: string, issue: number): StoredComment[]
  /** Adds comments as if other people (or an earlier run) had written them. */
  seedComments(
    owner: string,
    repo: string,
    issue: number,
    comments: (string | { body: string; login?: string })[],
  ): StoredComment[]
  /** The next `count` requests answer `status` (e.g. 502) instead of being served. */
  failNext(status: number, count?: number, message?: string): void
  /** Writes answer 403 "Resource not accessible by integration", as for a fork's PR. */
  setReadOnly(readOnly: boolean): void
  /** The login new comments are written as (default github-actions[bot]). */
  setLogin(login: string): void
  /** Adds a pull request (for the workflow_run lookups). */
  addPull(
    pull: Partial<StoredPull> & { owner: string; repo: string; number: number; headSha: string },
  ): StoredPull
  /** Requests whose method and path match answer 403 (e.g. POST check-runs without `checks: write`); returns the undo. */
  forbid(method: string, path: RegExp): () => void
  /** The commit's associated-PRs endpoint omits fork PRs, so the lookup must list open pulls. */
  setCommitPullsSkipForks(skip: boolean): void
  /** Serves another endpoint (e.g. a run's artifacts); tried after the built-in ones. */
  route(method: string, path: RegExp, handler: RouteHandler): void
  close(): Promise<void>
}

export type RouteHandler = (
  match: RegExpExecArray,
  query: Record<string, string>,
) => { status: number; body?: unknown; headers?: Record<string, string> }

const BOT = 'github-actions[bot]'

function key(owner: string, repo: string, issue: number | string): string {
  return `${owner}/${repo}#${issue}`
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export async function startGitHubApi(): Promise<GitHubApi> {
  const state: GitHubApiState = {
    comments: new Map(),
    checkRuns: [],
    pulls: [],
    requests: [],
    readOnly: false,
    commitPullsSkipForks: false,
  }
  const forbidden: { method: string; path: RegExp }[] = []
  const routes: { method: string; path: RegExp; handler: RouteHandler }[] = []
  let nextId = 1000
  let login = BOT
  const failures: { status: number; message: string }[] = []
  let base = ''

  const commentsOf = (owner: string, repo: string, issue: number | string): StoredComment[] => {
    const k = key(owner, repo, issue)
    if (!state.comments.has(k)) state.comments.set(k, [])
    return state.comments.get(k)!
  }

  const newComment = (
    owner: string,
    repo: string,
    issue: number | string,
    body: string,
    by = login,
  ): StoredComment => {
    const id = nextId++
    const now = new Date().toISOString()
    return {
      id,
      node_id: `IC_${id}`,
      body,
      user: { login: by, type: by.endsWith('[bot]') ? 'Bot' : 'User' },
      html_url: `https://github.com/${owner}/${repo}/pull/${issue}#issuecomment-${id}`,
      url: `${base}/repos/${owner}/${repo}/issues/comments/${id}`,
      issue_url: `${base}/repos/${owner}/${repo}/issues/${issue}`,
      created_at: now,
      updated_at: now,
    }
  }

  const pullJson = (p: StoredPull) => ({
    number: p.number,
    state: p.state,
    html_url: `https://github.com/${p.owner}/${p.repo}/pull/${p.number}`,
    head: {
      sha: p.headSha,
      ref: p.headRef,
      repo: { full_name: `${p.headOwner}/${p.repo}`, owner: { login: p.headOwner } },
    },
    base: { ref: 'main', repo: { full_name: `${p.owner}/${p.repo}` } },
  })

  const findById = (
    owner: string,
    repo: string,
    id: number,
  ): { list: StoredComment[]; index: number } | undefined => {
    for (const [k, list] of state.comments) {
      if (!k.startsWith(`${owner}/${repo}#`)) continue
      const index = list.findIndex((c) => c.id === id)
      if (index >= 0) return { list, index }
    }
    return undefined
  }

  async function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}): void => {
      record.status = status
      const text = body === undefined ? '' : JSON.stringify(body)
      res.writeHead(status, {
        ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        ...headers,
      })
      res.end(text)
    }
    const error = (status: number, message: string): void =>
      send(status, { message, documentation_url: 'https://docs.github.com/rest', status: String(status) })

    const raw = await readBody(req)
    if (raw) {
      try {
        record.body = JSON.parse(raw)
      } catch {
        record.body = raw
      }
    }

    const failure = failures.shift()
    if (failure) return error(failure.status, failure.message)
    if (!req.headers.authorization) return error(401, 'Requires authentication')

    const method = req.method ?? 'GET'
    if (forbidden.some((f) => f.method === method && f.path.test(record.path)))
      return error(403, 'Resource not accessible by integration')
    const parts = record.path.split('/').filter(Boolean).map(decodeURIComponent)
    const isWrite = method !== 'GET' && method !== 'HEAD'
    if (isWrite && state.readOnly && parts[0] === 'repos')
      return error(403, 'Resource not accessible by integration')
    const body = (record.body ?? {}) as Record<string, unknown>

    // GET /repos/:o/:r
    if (parts[0] === 'repos' && parts.length === 3 && method === 'GET') {
      const [, owner, repo] = parts
      return send(200, {
        id: 1,
        name: repo,
        full_name: `${owner}/${repo}`,
        owner: { login: owner },
        private: false,
        default_branch: 'main',
        html_url: `https://github.com/${owner}/${repo}`,
      })
    }

    // /repos/:o/:r/issues/:n/comments
    if (parts[0] === 'repos' && parts[3] === 'issues' && parts[5] === 'comments' && parts.length === 6) {
      const [, owner, repo, , issue] = parts
      if (!/^\d+$/.test(issue)) return error(404, 'Not Found')
      const list = commentsOf(owner, repo, issue)
      if (method === 'GET') {
        const perPage = Math.min(100, Math.max(1, Number(record.query.per_page ?? 30) || 30))
        const page = Math.max(1, Number(record.query.page ?? 1) || 1)
        const last = Math.max(1, Math.ceil(list.length / perPage))
        const link = (p: number, rel: string): string =>
          `<${base}/repos/${owner}/${repo}/issues/${issue}/comments?per_page=${perPage}&page=${p}>; rel="${rel}"`
        const links: string[] = []
        if (page > 1) links.push(link(page - 1, 'prev'))
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
        if (page > 1) links.push(link(1, 'first'))
        return send(
          200,
          list.slice((page - 1) * perPage, page * perPage),
          links.length ? { link: links.join(', ') } : {},
        )
      }
      if (method === 'POST') {
        if (typeof body.body !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        if (Array.from(body.body).length > 65_536)
          return error(422, 'Validation Failed: body is too long (maximum is 65536 characters)')
        const comment = newComment(owner, repo, issue, body.body)
        list.push(comment)
        return send(201, comment, { location: comment.url })
      }
      return error(404, 'Not Found')
    }

    // /repos/:o/:r/issues/comments/:id
    if (parts[0] === 'repos' && parts[3] === 'issues' && parts[4] === 'comments' && parts.length === 6) {
      const [, owner, repo, , , idText] = parts
      const found = findById(owner, repo, Number(idText))
      if (!found) return error(404, 'Not Found')
      const comment = found.list[found.index]
      if (method === 'GET') return send(200, comment)
      if (method === 'PATCH') {
        if (typeof body.body !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        if (Array.from(body.body).length > 65_536)
          return error(422, 'Validation Failed: body is too long (maximum is 65536 characters)')
        comment.body = body.body
        comment.updated_at = new Date().toISOString()
        return send(200, comment)
      }
      if (method === 'DELETE') {
        found.list.splice(found.index, 1)
        return send(204)
      }
      return error(404, 'Not Found')
    }

    // GET /repos/:o/:r/commits/:sha/pulls
    if (parts[0] === 'repos' && parts[3] === 'commits' && parts[5] === 'pulls' && method === 'GET') {
      const [, owner, repo, , sha] = parts
      if (!/^[0-9a-f]{7,64}$/i.test(sha)) return error(422, `No commit found for SHA: ${sha}`)
      const found = state.pulls.filter(
        (p) =>
          p.owner === owner &&
          p.repo === repo &&
          p.headSha === sha &&
          !(state.commitPullsSkipForks && p.headOwner !== owner),
      )
      return send(200, found.map(pullJson))
    }

    // GET /repos/:o/:r/pulls?state&head&per_page&page
    if (parts[0] === 'repos' && parts[3] === 'pulls' && parts.length === 4 && method === 'GET') {
      const [, owner, repo] = parts
      const wanted = record.query.state ?? 'open'
      const head = record.query.head
      const list = state.pulls.filter(
        (p) =>
          p.owner === owner &&
          p.repo === repo &&
          (wanted === 'all' || p.state === wanted) &&
          (!head || `${p.headOwner}:${p.headRef}` === head),
      )
      const perPage = Math.min(100, Math.max(1, Number(record.query.per_page ?? 30) || 30))
      const page = Math.max(1, Number(record.query.page ?? 1) || 1)
      return send(200, list.slice((page - 1) * perPage, page * perPage).map(pullJson))
    }

    // /repos/:o/:r/check-runs[/:id]
    if (parts[0] === 'repos' && parts[3] === 'check-runs') {
      const [, owner, repo, , idText] = parts
      if (method === 'POST' && parts.length === 4) {
        if (typeof body.name !== 'string' || typeof body.head_sha !== 'string')
          return error(422, 'Validation Failed: name and head_sha are required')
        const run: StoredCheckRun = {
          ...body,
          id: nextId++,
          owner,
          repo,
          html_url: `https://github.com/${owner}/${repo}/runs/${nextId}`,
        }
        state.checkRuns.push(run)
        return send(201, run)
      }
      const run = state.checkRuns.find((r) => r.id === Number(idText) && r.owner === owner && r.repo === repo)
      if (!run) return error(404, 'Not Found')
      if (method === 'PATCH') {
        Object.assign(run, body)
        return send(200, run)
      }
      if (method === 'GET') return send(200, run)
    }

    for (const r of routes) {
      const match = r.method === method ? r.path.exec(record.path) : null
      if (match) {
        const answer = r.handler(match, record.query)
        return send(answer.status, answer.body, answer.headers)
      }
    }

    return error(404, 'Not Found')
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
      ),
      status: 0,
    }
    state.requests.push(record)
    handle(req, res, record).catch((err: unknown) => {
      record.status = 500
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: `stand-in error: ${(err as Error).message}` }))
    })
  })
  // Octokit keeps connections alive; close() must not wait for them.
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    url: base,
    state,
    requests: state.requests,
    comments: (owner, repo, issue) => [...commentsOf(owner, repo, issue)],
    seedComments(owner, repo, issue, comments) {
      const list = commentsOf(owner, repo, issue)
      const added = comments.map((c) =>
        typeof c === 'string'
          ? newComment(owner, repo, issue, c, 'someone')
          : newComment(owner, repo, issue, c.body, c.login ?? 'someone'),
      )
      list.push(...added)
      return added
    },
    failNext(status, count = 1, message = status >= 500 ? 'Server Error' : 'Error') {
      for (let i = 0; i < count; i++) failures.push({ status, message })
    },
    setReadOnly(readOnly) {
      state.readOnly = readOnly
    },
    setLogin(name) {
      login = name
    },
    addPull(pull) {
      const stored: StoredPull = { state: 'open', headRef: 'feature', headOwner: pull.owner, ...pull }
      state.pulls.push(stored)
      return stored
    },
    forbid(method, path) {
      const rule = { method, path }
      forbidden.push(rule)
      return () => {
        const i = forbidden.indexOf(rule)
        if (i >= 0) forbidden.splice(i, 1)
      }
    },
    setCommitPullsSkipForks(skip) {
      state.commitPullsSkipForks = skip
    },
    route(method, path, handler) {
      routes.push({ method, path, handler })
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((err) => (err ? reject(err) : resolve()))
      }),
  }
}
