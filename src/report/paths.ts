// Where a frame's file lives in the repository. pprof reports a file either as an
// absolute path on the machine that built it (under the workspace, or under the
// base's worktree) or, built with -trimpath, as `<module path>/<dir>/<file>.go`.
import { posix } from 'node:path'

export interface SourceLayout {
  /** Absolute directories holding a checkout of the repository (workspace, base worktree). */
  roots?: readonly string[]
  /** Go module root relative to the repository root ('.' when the module is the repository). */
  workingDirectory: string
  /** Module path from go.mod: trimpath file names start with it. */
  modulePath: string
}

function normaliseDir(dir: string): string {
  const n = posix.normalize(dir.replace(/\\/g, '/')).replace(/\/+$/, '')
  return n === '' ? '/' : n
}

/** A repository-relative path, or undefined when it would leave the repository. */
function inside(rel: string): string | undefined {
  const n = posix.normalize(rel.replace(/\\/g, '/')).replace(/^(\.\/)+/, '')
  if (n === '' || n === '.' || n.startsWith('../') || n === '..' || posix.isAbsolute(n)) return undefined
  return n
}

/**
 * The file's path relative to the repository root, or undefined when it is not one
 * of the repository's files (the standard library, a dependency in the module cache).
 */
export function repoRelativePath(file: string, layout: SourceLayout): string | undefined {
  if (!file) return undefined
  const f = file.replace(/\\/g, '/')
  if (posix.isAbsolute(f)) {
    // Longest root first: a worktree may sit inside the workspace.
    const roots = [...(layout.roots ?? [])].map(normaliseDir).sort((a, b) => b.length - a.length)
    for (const root of roots) {
      const prefix = root === '/' ? '/' : `${root}/`
      if (f.startsWith(prefix)) return inside(f.slice(prefix.length))
    }
    return undefined
  }
  const mod = layout.modulePath.replace(/\/+$/, '')
  if (mod && f.startsWith(`${mod}/`)) {
    const rest = f.slice(mod.length + 1)
    // A dependency whose path extends ours (example.com/app/v2) is another module.
    if (/^v\d+\//.test(rest) && !/\/v\d+$/.test(mod)) return undefined
    const wd = layout.workingDirectory.replace(/\\/g, '/')
    return inside(posix.join(wd === '' ? '.' : wd, rest))
  }
  return undefined
}

/**
 * A short, readable form of a file that is not in the repository: the module
 * cache and GOROOT prefixes dropped (github.com/gin-gonic/gin@v1.9.1/context.go,
 * net/http/server.go); otherwise the last three segments.
 */
export function shortForeignPath(file: string): string {
  const f = file.replace(/\\/g, '/')
  const mod = f.lastIndexOf('/pkg/mod/')
  if (mod >= 0) return f.slice(mod + '/pkg/mod/'.length)
  // GOROOT (…/go/src/net/http/server.go, …/hostedtoolcache/go/1.26.0/x64/src/…):
  // standard library import paths have no dot in their first element.
  const src = f.lastIndexOf('/src/')
  if (src >= 0) {
    const rest = f.slice(src + '/src/'.length)
    const first = rest.split('/')[0]
    if (rest.includes('/') && !first.includes('.')) return rest
  }
  if (!posix.isAbsolute(f)) return f
  const parts = f.split('/').filter(Boolean)
  return parts.length <= 3 ? f : `…/${parts.slice(-3).join('/')}`
}

/** Repository-relative when possible, else the short foreign form. */
export function displayPath(file: string, layout: SourceLayout): string {
  return repoRelativePath(file, layout) ?? shortForeignPath(file)
}
