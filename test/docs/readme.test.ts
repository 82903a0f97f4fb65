// The README is the first ten minutes of a new user: short, with what must be
// true before the first run, a snippet that is safe to paste, and links that
// all lead somewhere. The long stories live in docs/, each linked from it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { CLI_COMMAND } from '../../src/report/reproduce.js'
import { decodeEntities, toHtml } from '../report/gfm.js'

const root = join(import.meta.dirname, '../..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')
const docs = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`)
const pages = [
  'README.md',
  'CONTRIBUTING.md',
  'RELEASING.md',
  'CHANGELOG.md',
  'bench/README.md',
  ...readdirSync(join(root, 'examples')).map((e) => `examples/${e}/README.md`),
  ...docs,
].filter((page) => existsSync(join(root, page)))

/**
 * Pages other work adds beside this README's links to them: allowed to be missing
 * until they land, checked like any other page once they exist.
 */
const PENDING = new Set<string>()

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const [, inner] of toHtml(markdown).matchAll(/<h[1-6]>([\s\S]*?)<\/h[1-6]>/g)) {
    const text = decodeEntities(inner!.replace(/<[^>]*>/g, ''))
    const slug = text
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-')
    const n = seen.get(slug) ?? 0
    seen.set(slug, n + 1)
    out.add(n ? `${slug}-${n}` : slug)
  }
  return out
}

/** Every relative link and image of a page, as rendered (code blocks hold none). */
function relativeLinks(markdown: string): string[] {
  const html = toHtml(markdown)
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)]
    .map((m) => decodeEntities(m[1]!))
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
}

/** Links that do not resolve: a missing file, or a missing heading in a Markdown file. */
function brokenLinks(page: string): string[] {
  const broken: string[] = []
  for (const target of relativeLinks(read(page))) {
    const [path, anchor] = target.split('#') as [string, string | undefined]
    const file = path ? relative(root, resolve(dirname(join(root, page)), decodeURIComponent(path))) : page
    if (!existsSync(join(root, file))) {
      if (!PENDING.has(file)) broken.push(`${target} (no ${file})`)
      continue
    }
    if (anchor && file.endsWith('.md') && statSync(join(root, file)).isFile()) {
      if (!anchors(read(file)).has(anchor)) broken.push(`${target} (no heading #${anchor} in ${file})`)
    }
  }
  return broken
}

describe('README.md', () => {
  const readme = read('README.md')

  it('is under 15 KB', () => {
    expect(Buffer.byteLength(readme)).toBeLessThan(15 * 1024)
  })

  it('says, before the quick start, what the service must do', () => {
    const before = readme.slice(readme.indexOf('## Before you start'), readme.indexOf('## Quick start'))
    expect(before.length).toBeGreaterThan(500)
    expect(before).toContain('net/http/pprof')
    expect(before).toContain('gin.WrapH(http.DefaultServeMux)')
    expect(before).toContain('pprof-url')
    expect(before).toContain('`PORT`')
    expect(before).toContain('`args`')
    expect(before).toMatch(/requests/)
    // The time it adds is stated from the measured figures, and says where they come from.
    expect(before).toMatch(/It adds .+ to CI/)
    expect(before).toMatch(/\| healthy → healthy +\| +[\d.]+ s \|/)
    expect(before).toContain('docs/measured.md')
  })

  it('links every page of docs/ and every page other work adds', () => {
    const linked = new Set(relativeLinks(readme).map((t) => t.split('#')[0]))
    for (const page of [...docs.filter((d) => d !== 'docs/demo-comment.md'), ...PENDING])
      expect(linked, `README.md does not link ${page}`).toContain(page)
    expect(linked).toContain('CONTRIBUTING.md')
  })

  it('gives the CLI command that works before any npm release, as the comment does', () => {
    expect(CLI_COMMAND).toMatch(/^npx github:[\w-]+\/memleak-action#v\d+$/)
    expect(readme).toContain(CLI_COMMAND)
    expect(readme).toContain('node dist/cli.js')
    expect(read('docs/cli.md')).toContain(CLI_COMMAND)
  })

  it('leaves contributor material to CONTRIBUTING.md', () => {
    expect(readme).not.toContain('npm run local-action')
    expect(readme).not.toContain('npm run bench')
    const contributing = read('CONTRIBUTING.md')
    expect(contributing).toContain('## Try it, work on it')
    expect(contributing).toContain('npm run local-action')
    expect(contributing).toContain('npm run demo')
  })
})

describe('action.yml descriptions', () => {
  const action = parse(read('action.yml')) as {
    inputs: Record<string, { description: string }>
    outputs: Record<string, { description: string }>
  }
  it('each fits a table row: 120 characters at most (the long story goes to docs/inputs.md)', () => {
    const long = Object.entries({ ...action.inputs, ...action.outputs })
      .filter(([, v]) => v.description.length > 120)
      .map(([name, v]) => `${name}: ${v.description.length}`)
    expect(long).toEqual([])
  })
})

describe('links', () => {
  it.each(pages)('every relative link in %s resolves, anchors included', (page) => {
    expect(brokenLinks(page)).toEqual([])
  })

  it('the checker finds a missing file and a missing heading', () => {
    expect(
      relativeLinks('[a](docs/nope.md) [b](https://x.test/) `[c](no.md)` ![d](docs/demo-comment.png)'),
    ).toEqual(['docs/nope.md', 'docs/demo-comment.png'])
    expect(anchors('# Fork-safe setup\n## Measured: detection floor and speed\n## A\n## A\n')).toEqual(
      new Set(['fork-safe-setup', 'measured-detection-floor-and-speed', 'a', 'a-1']),
    )
  })
})
