// The YAML blocks of the README, of every docs/ page and of the examples' READMEs, as users copy them
// (indented blocks too: a list item may hold one).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dirname, '../..')

export function docYamlBlocks(): { page: string; block: string }[] {
  const pages = [
    'README.md',
    ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`),
    ...readdirSync(join(root, 'examples')).map((e) => `examples/${e}/README.md`),
  ].filter((p) => p.endsWith('.md') && existsSync(join(root, p)))
  return pages.flatMap((page) =>
    [...readFileSync(join(root, page), 'utf8').matchAll(/^( *)```ya?ml\n([\s\S]*?)^ *```/gm)].map((m) => ({
      page,
      block: m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''),
    })),
  )
}
