// Regenerates the inputs/outputs tables of README.md from action.yml, between
// the <!-- inputs --> markers. `--check` fails when the README has drifted.
// rollup.config.mjs reads action.yml with readActionSections too (the CLI's --help).
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Enough YAML for action.yml's two flat maps: name, description, default. */
export function readActionSections(yml) {
  const sections = { inputs: [], outputs: [] }
  let section = null
  let current = null
  for (const line of yml.split('\n')) {
    const top = /^(\w+):\s*$/.exec(line)
    if (top) {
      section = sections[top[1]] ? top[1] : null
      continue
    }
    if (!section) continue
    const name = /^ {2}([\w-]+):\s*$/.exec(line)
    if (name) {
      current = { name: name[1], description: '', default: undefined }
      sections[section].push(current)
      continue
    }
    const field = /^ {4}(description|default):\s*(.*)$/.exec(line)
    if (field && current) {
      let value = field[2].trim()
      if (/^'.*'$/.test(value)) value = value.slice(1, -1).replace(/''/g, "'")
      // Prettier double-quotes a value that holds a single quote; its escapes are JSON's for this text.
      else if (/^".*"$/.test(value)) value = JSON.parse(value)
      current[field[1]] = value
    }
  }
  return sections
}

/** A table cell: pipes escaped, and `<` outside code spans, which GitHub would take for an HTML tag. */
const cell = (text) =>
  text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;')))
    .join('')
    .replace(/\|/g, '\\|')

export function renderTables(yml) {
  const { inputs, outputs } = readActionSections(yml)
  const lines = ['| input | default | meaning |', '|---|---|---|']
  for (const i of inputs)
    lines.push(`| \`${i.name}\` | ${i.default ? `\`${cell(i.default)}\`` : ''} | ${cell(i.description)} |`)
  lines.push('', '| output | meaning |', '|---|---|')
  for (const o of outputs) lines.push(`| \`${o.name}\` | ${cell(o.description)} |`)
  return lines.join('\n')
}

export function updateReadme(readme, yml) {
  const start = '<!-- inputs:start (generated from action.yml by scripts/readme-inputs.mjs) -->'
  const end = '<!-- inputs:end -->'
  const a = readme.indexOf(start)
  const b = readme.indexOf(end)
  if (a < 0 || b < a) throw new Error('README.md has no inputs markers')
  // Unpadded: Prettier would pad every row to the widest description, tripling
  // the README's size; the ignore range keeps the table as written here.
  const table = `<!-- prettier-ignore-start -->\n${renderTables(yml)}\n<!-- prettier-ignore-end -->`
  return `${readme.slice(0, a + start.length)}\n${table}\n${readme.slice(b)}`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readmePath = join(root, 'README.md')
  const readme = readFileSync(readmePath, 'utf8')
  // Formatted as prettier formats the rest of the README, so format:check and this agree.
  const prettier = await import('prettier')
  const options = (await prettier.resolveConfig(readmePath)) ?? {}
  const next = await prettier.format(updateReadme(readme, readFileSync(join(root, 'action.yml'), 'utf8')), {
    ...options,
    filepath: readmePath,
  })
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md inputs table is stale: run node scripts/readme-inputs.mjs')
      process.exit(1)
    }
  } else {
    writeFileSync(readmePath, next)
  }
}
