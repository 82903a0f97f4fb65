// Resolving the review threads of comments marked fixed: GraphQL only (REST has
// no such call), paged, and a refusal is logged, never thrown.
import type { Octokit } from '@octokit/core'

export interface ReviewTarget {
  owner: string
  repo: string
  pullNumber: number
  /** The PR's head commit: every new comment is placed on it. */
  headSha: string
  /** Only comments by this login count as ours; any author when absent. */
  author?: string
  /** The sticky comment (or the run page): each comment links it. */
  reportUrl?: string
  max?: number
}

const MAX_THREAD_PAGES = 20

const THREADS = `query($owner: String!, $repo: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { id } } }
      }
    }
  }
}`

const RESOLVE = `mutation($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`

interface ThreadsAnswer {
  repository?: {
    pullRequest?: {
      reviewThreads?: {
        pageInfo?: { hasNextPage?: boolean; endCursor?: string | null }
        nodes?: { id: string; isResolved?: boolean; comments?: { nodes?: { id: string }[] } }[]
      }
    } | null
  } | null
}

/**
 * Resolves the threads our fixed comments start, through GraphQL (REST has no
 * such call). A token may not (a GitHub App without the permission, GHES without
 * the mutation): the edit already says "fixed", so a refusal goes to onRefused, never thrown.
 */
export async function resolveThreads(
  octokit: Octokit,
  t: ReviewTarget,
  commentNodeIds: Set<string>,
  onRefused: (error: unknown) => void,
): Promise<number> {
  if (commentNodeIds.size === 0) return 0
  let resolved = 0
  try {
    const threadOf = new Map<string, string>()
    let after: string | null = null
    for (let page = 0; page < MAX_THREAD_PAGES; page++) {
      const res: ThreadsAnswer = await octokit.graphql<ThreadsAnswer>(THREADS, {
        owner: t.owner,
        repo: t.repo,
        number: t.pullNumber,
        after,
      })
      const threads = res.repository?.pullRequest?.reviewThreads
      for (const thread of threads?.nodes ?? []) {
        const first = thread.comments?.nodes?.[0]?.id
        if (first && !thread.isResolved) threadOf.set(first, thread.id)
      }
      if (!threads?.pageInfo?.hasNextPage || !threads.pageInfo.endCursor) break
      after = threads.pageInfo.endCursor
    }
    for (const id of commentNodeIds) {
      const threadId = threadOf.get(id)
      if (!threadId) continue
      await octokit.graphql(RESOLVE, { threadId })
      resolved++
    }
  } catch (error) {
    onRefused(error)
  }
  return resolved
}
