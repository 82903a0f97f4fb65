// The `requests-file` input: which tree's file is the load. The file is the
// PR's text like any other; read from base when base has it, so a pull request
// cannot steer its own check away from the route that leaks. A file the PR
// adds can only come from head.
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs'
import { join, sep } from 'node:path'
import { UsageError } from '../model/errors.js'
import type { SideName } from '../model/sides.js'
import { parseHttpFile } from './http-file.js'
import type { LoadRequest } from './requests.js'

const MAX_FILE_BYTES = 1024 * 1024

export interface RequestsFromFile {
  requests: LoadRequest[]
  /** Whose file it was. */
  side: SideName
}

export function readRequestsFile(file: string, trees: { base?: string; head: string }): RequestsFromFile {
  const inBase = trees.base !== undefined && existsSync(join(trees.base, file))
  const side: SideName = inBase ? 'base' : 'head'
  const root = inBase ? trees.base! : trees.head
  const path = join(root, file)
  if (!existsSync(path)) {
    throw new UsageError(
      `requests-file: ${file} is in neither base nor head (a path from the repository's root)`,
    )
  }
  // lstat: a symbolic link in the PR's tree could point at the runner's files, whose text would go to the service.
  const stat = lstatSync(path)
  if (
    !stat.isFile() ||
    stat.size > MAX_FILE_BYTES ||
    !realpathSync(path).startsWith(realpathSync(root) + sep)
  ) {
    throw new UsageError(
      `requests-file: expected a plain file of at most 1 MiB (not a link), ${file} on ${side} is not one`,
    )
  }
  return { requests: parseHttpFile(readFileSync(path, 'utf8'), `requests-file ${file} (${side})`), side }
}
