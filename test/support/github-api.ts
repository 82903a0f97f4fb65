// A local stand-in for the parts of GitHub's REST API the action uses, served
// over real HTTP on 127.0.0.1 so the real Octokit (retries, pagination, auth
// header) talks to it. It records every request and can fail on demand.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { git } from './fixture-repo.js'

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

/** A file of a pull request as `GET pulls/{n}/files` lists it. */
export interface PullFile {
  filename: string
  status: 'added' | 'removed' | 'modified' | 'renamed'
  previous_filename?: string
  /** The unified diff's hunks (from the first `@@`), absent for a binary file or a huge diff. */
  patch?: string
}

/** A pull request review comment (REST shape); its thread is the top-level comment's. */
export interface StoredReviewComment {
  id: number
  node_id: string
  pull_request_review_id: number | null
  body: string
  path: string
  /** Null for a file-level comment. */
  line: number | null
  original_line: number | null
  side: 'RIGHT' | 'LEFT' | null
  subject_type: 'line' | 'file'
  commit_id: string
  original_commit_id: string
  in_reply_to_id?: number
  user: { login: string; type: string }
  html_url: string
  url: string
  created_at: string
  updated_at: string
  /** The thread's state (GraphQL resolveReviewThread). */
  resolved: boolean
}

export interface StoredReview {
  id: number
  owner: string
  repo: string
  pull: number
  event: string
  body: string
  commit_id?: string
  comments: number[]
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
  /** Files by "owner/repo#number" (GET pulls/{n}/files), what review comments are checked against. */
  pullFiles: Map<string, PullFile[]>
  /** Review comments by "owner/repo#number", oldest first. */
  reviewComments: Map<string, StoredReviewComment[]>
  reviews: StoredReview[]
  /** GraphQL mutations answer FORBIDDEN, as for a token without the permission. */
  graphqlRefused: boolean
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
  /** The next `count` requests whose method and path match answer `status` with GitHub's error shape. */
  answerNext(method: string, path: RegExp, status: number, errors: unknown[], count?: number): void
  /** The pull request's files, as GET pulls/{n}/files lists them (see pullFilesFromGit). */
  setPullFiles(owner: string, repo: string, pull: number, files: PullFile[]): void
  reviewComments(owner: string, repo: string, pull: number): StoredReviewComment[]
  /** Adds review comments as if people (or an earlier run) had written them. */
  seedReviewComments(
    owner: string,
    repo: string,
    pull: number,
    comments: { body: string; path: string; line?: number; login?: string; inReplyTo?: number }[],
  ): StoredReviewComment[]
  /** GraphQL mutations (resolveReviewThread) answer FORBIDDEN. */
  setGraphqlRefused(refused: boolean): void
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
    pullFiles: new Map(),
    reviewComments: new Map(),
    reviews: [],
    graphqlRefused: false,
  }
  const forbidden: { method: string; path: RegExp }[] = []
  const answers: { method: string; path: RegExp; status: number; errors: unknown[] }[] = []
  const routes: { method: string; path: RegExp; handler: RouteHandler }[] = []
  let nextId = 1000
  let login = BOT
  const failures: { status: number; message: string }[] = []
  let base = ''

  /** The list of one issue or pull request, created empty on first use. */
  const listIn = <T>(map: Map<string, T[]>, owner: string, repo: string, n: number | string): T[] => {
    const k = key(owner, repo, n)
    if (!map.has(k)) map.set(k, [])
    return map.get(k)!
  }
  const commentsOf = (owner: string, repo: string, issue: number | string): StoredComment[] =>
    listIn(state.comments, owner, repo, issue)

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

  const reviewCommentsOf = (owner: string, repo: string, pull: number | string): StoredReviewComment[] =>
    listIn(state.reviewComments, owner, repo, pull)

  const newReviewComment = (
    owner: string,
    repo: string,
    pull: number | string,
    c: {
      body: string
      path: string
      line?: number | null
      commit_id?: string
      review?: number
      login?: string
      inReplyTo?: number
    },
  ): StoredReviewComment => {
    const id = nextId++
    const now = new Date().toISOString()
    const by = c.login ?? login
    const line = typeof c.line === 'number' ? c.line : null
    return {
      id,
      node_id: `PRRC_${id}`,
      pull_request_review_id: c.review ?? null,
      body: c.body,
      path: c.path,
      line,
      original_line: line,
      side: line === null ? null : 'RIGHT',
      subject_type: line === null ? 'file' : 'line',
      commit_id: c.commit_id ?? 'head',
      original_commit_id: c.commit_id ?? 'head',
      ...(c.inReplyTo ? { in_reply_to_id: c.inReplyTo } : {}),
      user: { login: by, type: by.endsWith('[bot]') ? 'Bot' : 'User' },
      html_url: `https://github.com/${owner}/${repo}/pull/${pull}#discussion_r${id}`,
      url: `${base}/repos/${owner}/${repo}/pulls/comments/${id}`,
      created_at: now,
      updated_at: now,
      resolved: false,
    }
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
    /** GitHub's 422 for a review (errors are strings) or a review comment (errors are objects). */
    const validation = (where: 'reviews' | 'comments', errors: unknown[]): void =>
      send(422, {
        message: where === 'reviews' ? 'Unprocessable Entity' : 'Validation Failed',
        errors,
        documentation_url:
          where === 'reviews'
            ? 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request'
            : 'https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request',
        status: '422',
      })
    /** A page of a list, with GitHub's Link header (per_page at most 100, 30 by default). */
    const paged = (list: unknown[], at: string): void => {
      const perPage = Math.min(100, Math.max(1, Number(record.query.per_page ?? 30) || 30))
      const page = Math.max(1, Number(record.query.page ?? 1) || 1)
      const last = Math.max(1, Math.ceil(list.length / perPage))
      const link = (p: number, rel: string): string => `<${at}?per_page=${perPage}&page=${p}>; rel="${rel}"`
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
    const graphql = (request: Record<string, unknown>): void => {
      const query = typeof request.query === 'string' ? request.query : ''
      const vars = (request.variables ?? {}) as Record<string, unknown>
      const refuse = (field: string, type: string, message: string) =>
        send(200, { data: { [field]: null }, errors: [{ type, path: [field], message }] })
      if (/\bresolveReviewThread\b/.test(query)) {
        if (state.graphqlRefused || state.readOnly)
          return refuse('resolveReviewThread', 'FORBIDDEN', 'Resource not accessible by integration')
        const id = Number(/^PRRT_(\d+)$/.exec(String(vars.threadId))?.[1])
        const thread = [...state.reviewComments.values()].flat().find((c) => c.id === id && !c.in_reply_to_id)
        if (!thread)
          return refuse(
            'resolveReviewThread',
            'NOT_FOUND',
            `Could not resolve to a node with the global id of '${String(vars.threadId)}'`,
          )
        thread.resolved = true
        return send(200, {
          data: { resolveReviewThread: { thread: { id: `PRRT_${id}`, isResolved: true } } },
        })
      }
      if (/\breviewThreads\b/.test(query)) {
        const all = reviewCommentsOf(String(vars.owner), String(vars.repo), Number(vars.number)).filter(
          (c) => !c.in_reply_to_id,
        )
        const from = vars.after ? Number(vars.after) : 0
        const nodes = all.slice(from, from + 100).map((c) => ({
          id: `PRRT_${c.id}`,
          isResolved: c.resolved,
          comments: { nodes: [{ id: c.node_id }] },
        }))
        const more = from + 100 < all.length
        return send(200, {
          data: {
            repository: {
              pullRequest: {
                reviewThreads: {
                  pageInfo: { hasNextPage: more, endCursor: more ? String(from + 100) : null },
                  nodes,
                },
              },
            },
          },
        })
      }
      return send(200, {
        errors: [{ message: 'the stand-in answers reviewThreads and resolveReviewThread only' }],
      })
    }

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
    const answer = answers.findIndex((a) => a.method === method && a.path.test(record.path))
    if (answer >= 0) {
      const [a] = answers.splice(answer, 1)
      return send(a.status, {
        message: a.status === 422 ? 'Unprocessable Entity' : 'Error',
        errors: a.errors,
        documentation_url: 'https://docs.github.com/rest',
        status: String(a.status),
      })
    }
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
      if (method === 'GET') return paged(list, `${base}/repos/${owner}/${repo}/issues/${issue}/comments`)
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

    // GET /repos/:o/:r/pulls/:n/files, /repos/:o/:r/pulls/:n/comments, POST /repos/:o/:r/pulls/:n/reviews
    if (parts[0] === 'repos' && parts[3] === 'pulls' && /^\d+$/.test(parts[4] ?? '') && parts.length === 6) {
      const [, owner, repo, , pull, what] = parts
      const files = (state.pullFiles.get(key(owner, repo, pull)) ?? []).filter((f) => f.status !== 'removed')
      const onHead = (path: unknown) => files.find((f) => f.filename === path)
      const inDiff = (path: unknown, line: unknown): boolean => {
        const file = onHead(path)
        return !!file?.patch && typeof line === 'number' && standInRightLines(file.patch).has(line)
      }
      const pagedAt = `${base}/repos/${owner}/${repo}/pulls/${pull}/${what}`
      if (what === 'files' && method === 'GET')
        return paged(state.pullFiles.get(key(owner, repo, pull)) ?? [], pagedAt)
      const threads = reviewCommentsOf(owner, repo, pull)
      if (what === 'comments' && method === 'GET') return paged(threads, pagedAt)
      if (what === 'comments' && method === 'POST') {
        if (typeof body.body !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        if (typeof body.in_reply_to === 'number') {
          const parent = threads.find((c) => c.id === body.in_reply_to)
          if (!parent) return error(404, 'Not Found')
          const reply = newReviewComment(owner, repo, pull, {
            ...parent,
            body: body.body,
            inReplyTo: parent.id,
          })
          threads.push(reply)
          return send(201, reply)
        }
        if (typeof body.commit_id !== 'string')
          return error(422, 'Invalid request.\n\n"commit_id" wasn\'t supplied.')
        if (!onHead(body.path))
          return validation('comments', [
            { resource: 'PullRequestReviewComment', code: 'invalid', field: 'path' },
          ])
        if (body.subject_type !== 'file' && !inDiff(body.path, body.line))
          return validation('comments', [
            {
              resource: 'PullRequestReviewComment',
              code: 'custom',
              field: 'pull_request_review_thread.line',
              message: 'pull_request_review_thread.line must be part of the diff',
            },
          ])
        const comment = newReviewComment(owner, repo, pull, {
          body: body.body,
          path: String(body.path),
          line: body.subject_type === 'file' ? undefined : Number(body.line),
          commit_id: body.commit_id,
        })
        threads.push(comment)
        return send(201, comment)
      }
      if (what === 'reviews' && method === 'POST') {
        const event = body.event
        if (event !== 'COMMENT' && event !== 'APPROVE' && event !== 'REQUEST_CHANGES')
          return error(422, 'Unprocessable Entity')
        if (event !== 'APPROVE' && (typeof body.body !== 'string' || !body.body))
          return error(422, 'Unprocessable Entity: body is required for a COMMENT or REQUEST_CHANGES review')
        const wanted = Array.isArray(body.comments) ? (body.comments as Record<string, unknown>[]) : []
        // All or nothing, and GitHub does not say which comment it refused.
        if (wanted.some((c) => !onHead(c.path))) return validation('reviews', ['Path could not be resolved'])
        if (wanted.some((c) => (c.side ?? 'RIGHT') !== 'RIGHT' || !inDiff(c.path, c.line)))
          return validation('reviews', [
            "Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank",
          ])
        const review: StoredReview = {
          id: nextId++,
          owner,
          repo,
          pull: Number(pull),
          event,
          body: String(body.body ?? ''),
          commit_id: typeof body.commit_id === 'string' ? body.commit_id : undefined,
          comments: [],
        }
        for (const c of wanted) {
          const comment = newReviewComment(owner, repo, pull, {
            body: String(c.body),
            path: String(c.path),
            line: Number(c.line),
            commit_id: review.commit_id ?? 'head',
            review: review.id,
          })
          threads.push(comment)
          review.comments.push(comment.id)
        }
        state.reviews.push(review)
        return send(200, {
          id: review.id,
          state: 'COMMENTED',
          body: review.body,
          commit_id: review.commit_id,
        })
      }
      return error(404, 'Not Found')
    }

    // /repos/:o/:r/pulls/comments/:id
    if (parts[0] === 'repos' && parts[3] === 'pulls' && parts[4] === 'comments' && parts.length === 6) {
      const [, owner, repo, , , idText] = parts
      let found: StoredReviewComment | undefined
      for (const [k, list] of state.reviewComments)
        if (k.startsWith(`${owner}/${repo}#`)) found ??= list.find((c) => c.id === Number(idText))
      if (!found) return error(404, 'Not Found')
      if (method === 'GET') return send(200, found)
      if (method === 'PATCH') {
        if (typeof body.body !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        if (Array.from(body.body).length > 65_536)
          return error(422, 'Validation Failed: body is too long (maximum is 65536 characters)')
        found.body = body.body
        found.updated_at = new Date().toISOString()
        return send(200, found)
      }
      return error(404, 'Not Found')
    }

    // POST /graphql: the review-thread query and resolveReviewThread, nothing else.
    if (record.path === '/graphql' && method === 'POST') return graphql(body)

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
    answerNext(method, path, status, errors, count = 1) {
      for (let i = 0; i < count; i++) answers.push({ method, path, status, errors })
    },
    setPullFiles(owner, repo, pull, files) {
      state.pullFiles.set(key(owner, repo, pull), files)
    },
    reviewComments: (owner, repo, pull) => [...reviewCommentsOf(owner, repo, pull)],
    seedReviewComments(owner, repo, pull, comments) {
      const list = reviewCommentsOf(owner, repo, pull)
      const added = comments.map((c) =>
        newReviewComment(owner, repo, pull, { ...c, login: c.login ?? 'someone' }),
      )
      list.push(...added)
      return added
    },
    setGraphqlRefused(refused) {
      state.graphqlRefused = refused
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

/** The head-side lines of a patch's hunks (added and context): where GitHub takes a line comment. */
function standInRightLines(patch: string): Set<number> {
  const lines = new Set<number>()
  let line = 0
  for (const text of patch.split('\n')) {
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)/.exec(text)
    if (hunk) line = Number(hunk[1])
    else if (line > 0 && (text.startsWith('+') || text.startsWith(' '))) lines.add(line++)
  }
  return lines
}

/**
 * A pull request's files as GitHub lists them, from the repository's real
 * `git diff base head`: each file's patch is its hunks, without the header.
 */
export function pullFilesFromGit(dir: string, baseSha: string, headSha: string): PullFile[] {
  const status: Record<string, PullFile['status']> = { A: 'added', D: 'removed', M: 'modified', R: 'renamed' }
  return git(dir, 'diff', '--name-status', '-M', baseSha, headSha)
    .split('\n')
    .filter(Boolean)
    .map((row) => {
      const [code, first, second] = row.split('\t')
      const filename = second ?? first
      const diff = git(dir, 'diff', '-M', baseSha, headSha, '--', ...(second ? [first, second] : [first]))
      const at = diff.indexOf('\n@@')
      return {
        filename,
        status: status[code.charAt(0)] ?? 'modified',
        ...(second ? { previous_filename: first } : {}),
        ...(at >= 0 ? { patch: diff.slice(at + 1) } : {}),
      }
    })
}
