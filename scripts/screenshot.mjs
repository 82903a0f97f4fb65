// Renders a comment's Markdown the way github.com shows it (GFM, light theme,
// <details> folded) and shoots it as a PNG with headless Chromium, for the
// README's picture:
//
//   node scripts/screenshot.mjs docs/demo-comment.md docs/demo-comment.png
//
// Options: --width N (CSS pixels, default 880), --scale N (device pixels per
// CSS pixel, default 1), --until TEXT (stop above the first heading starting
// with TEXT), --open (unfold every <details>), --html FILE (keep the page),
// --chromium PATH (default $CHROMIUM or /usr/bin/chromium).
// Raw HTML in the Markdown is kept, as GitHub keeps <details> and <sub>: run it
// on the action's own output, not on arbitrary Markdown.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'

const escapeHtml = (s) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * GitHub draws ```mermaid blocks as charts. The report only emits `xychart-beta`
 * line charts, so those are drawn here as a plain SVG; anything else stays code.
 */
export function xychartSvg(source) {
  if (!/^\s*xychart-beta\b/m.test(source)) return undefined
  const title = /^\s*title\s+"([^"]*)"/m.exec(source)?.[1] ?? ''
  const xs = JSON.parse(/^\s*x-axis\s+(\[.*\])\s*$/m.exec(source)?.[1] ?? '[]')
  const yAxis = /^\s*y-axis\s+"([^"]*)"\s+([-\d.]+)\s*-->\s*([-\d.]+)/m.exec(source)
  const lines = [...source.matchAll(/^\s*line\s+(\[.*\])\s*$/gm)].map((m) => JSON.parse(m[1]))
  const palette = (/"plotColorPalette":\s*"([^"]*)"/.exec(source)?.[1] ?? '#8b949e, #cf222e')
    .split(',')
    .map((c) => c.trim())
  if (!yAxis || xs.length < 2 || lines.length === 0) return undefined
  const [yLabel, yMin, yMax] = [yAxis[1], Number(yAxis[2]), Number(yAxis[3])]
  const W = 640
  const H = 300
  const left = 56
  const right = 28
  const top = 36
  const bottom = 36
  const px = (i) => left + (i * (W - left - right)) / (xs.length - 1)
  const py = (v) => top + (1 - (v - yMin) / (yMax - yMin || 1)) * (H - top - bottom)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-size="12" fill="#1f2328">`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${escapeHtml(title)}</text>`,
    `<text transform="translate(14 ${(top + H - bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(yLabel)}</text>`,
  ]
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4
    const y = py(v)
    parts.push(
      `<line x1="${left}" x2="${W - right}" y1="${y}" y2="${y}" stroke="#d0d7de" stroke-width="${k === 0 ? 1 : 0.5}"/>`,
      `<text x="${left - 6}" y="${y + 4}" text-anchor="end">${Math.round(v)}</text>`,
    )
  }
  xs.forEach((label, i) =>
    parts.push(
      `<text x="${px(i)}" y="${H - bottom + 18}" text-anchor="middle">${escapeHtml(String(label))}</text>`,
    ),
  )
  lines.forEach((series, n) => {
    const points = series.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`).join(' ')
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${escapeHtml(palette[n % palette.length])}" stroke-width="2"/>`,
    )
  })
  parts.push('</svg>')
  return `<div class="mermaid-chart">${parts.join('')}</div>`
}

/** GFM to HTML, with the report's Mermaid chart drawn and every <details> folded or not. */
export function renderComment(markdown, { open = false } = {}) {
  let html = micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  })
  html = html.replace(/<pre><code class="language-mermaid">([\s\S]*?)<\/code><\/pre>/g, (block, code) => {
    const source = code
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
    return xychartSvg(source) ?? block
  })
  if (open) html = html.replace(/<details>/g, '<details open>')
  return html
}

// Close to github.com's light theme (Primer): the fonts fall back to what a
// Linux box has, the sizes, colours and spacing are GitHub's.
const css = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px; background: #ffffff; color: #1f2328;
  font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", sans-serif, "Apple Color Emoji", "Noto Color Emoji"; }
.comment { border: 1px solid #d0d7de; border-radius: 6px; overflow: hidden; }
.comment-header { background: #f6f8fa; border-bottom: 1px solid #d0d7de; padding: 8px 16px; color: #59636e; }
.comment-header strong { color: #1f2328; }
.comment-header .badge { border: 1px solid #d0d7de; border-radius: 2em; padding: 0 6px; font-size: 12px; margin-left: 4px; }
.markdown-body { padding: 16px; word-wrap: break-word; }
.markdown-body > :first-child { margin-top: 0 !important; }
.markdown-body > :last-child { margin-bottom: 0 !important; }
h1, h2, h3, h4 { margin: 24px 0 16px; font-weight: 600; line-height: 1.25; }
h3 { font-size: 1.25em; }
h4 { font-size: 1em; }
p, ul, ol, table, pre, details { margin: 0 0 16px; }
ul { padding-left: 2em; }
li + li { margin-top: 0.25em; }
a { color: #0969da; text-decoration: none; }
code { font: 85%/1.45 ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
  background: rgba(175, 184, 193, 0.2); border-radius: 6px; padding: 0.2em 0.4em; }
pre { background: #f6f8fa; border-radius: 6px; padding: 16px; overflow: auto; }
pre code { background: transparent; padding: 0; font-size: 85%; white-space: pre; }
table { border-collapse: collapse; border-spacing: 0; display: block; width: max-content; max-width: 100%; overflow: auto; }
th, td { border: 1px solid #d0d7de; padding: 6px 13px; }
th { font-weight: 600; }
tr { background: #ffffff; border-top: 1px solid #d1d9e0; }
tr:nth-child(2n) { background: #f6f8fa; }
details summary { cursor: pointer; display: list-item; }
details[open] > summary { margin-bottom: 16px; }
sub { font-size: 75%; color: #1f2328; }
.mermaid-chart { margin: 0 0 16px; text-align: center; }
`

const page = (body, until) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>comment</title><style>${css}</style></head>
<body><div class="comment">
<div class="comment-header"><strong>github-actions</strong> <span class="badge">bot</span> commented</div>
<div class="markdown-body">${body}</div>
</div>
<script>${measure(until)}</script>
</body></html>
`

/**
 * Writes the height to shoot into the DOM, for the first pass to read back: the
 * whole page, or up to the first heading that starts with `until` (a crop that
 * keeps the top of a long comment legible at full size).
 */
function measure(until) {
  return `(() => {
    const until = ${JSON.stringify(until ?? '')}
    let height = document.body.getBoundingClientRect().height
    const heading = until && [...document.querySelectorAll('h1, h2, h3, h4')].find((h) => h.textContent.trim().startsWith(until))
    if (heading) height = heading.getBoundingClientRect().top - 8
    document.documentElement.dataset.height = String(Math.ceil(height))
  })()`
}

function chromium(binary, args) {
  return execFileSync(
    binary,
    ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
  )
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      width: { type: 'string', default: '880' },
      scale: { type: 'string', default: '1' },
      open: { type: 'boolean', default: false },
      html: { type: 'string' },
      until: { type: 'string' },
      chromium: { type: 'string', default: process.env.CHROMIUM || '/usr/bin/chromium' },
    },
  })
  if (positionals.length !== 2) {
    console.error(
      'usage: node scripts/screenshot.mjs <comment.md> <out.png> [--width 880] [--scale 1] [--open]',
    )
    process.exit(2)
  }
  const [input, output] = positionals.map((p) => resolve(p))
  const width = Number(values.width)
  if (!existsSync(values.chromium)) {
    console.error(
      `screenshot: no Chromium at ${values.chromium}; install it (apt-get install chromium) or pass --chromium`,
    )
    process.exit(2)
  }

  const dir = mkdtempSync(join(tmpdir(), 'memleak-shot-'))
  try {
    const htmlPath = values.html ? resolve(values.html) : join(dir, 'comment.html')
    writeFileSync(
      htmlPath,
      page(renderComment(readFileSync(input, 'utf8'), { open: values.open }), values.until),
    )
    const url = `file://${htmlPath}`
    const profile = ['--user-data-dir=' + join(dir, 'profile')]
    // First pass: lay the page out at the final width and read its height back from the DOM.
    const dom = chromium(values.chromium, [...profile, `--window-size=${width},800`, '--dump-dom', url])
    const height = Number(/data-height="(\d+)"/.exec(dom)?.[1])
    if (!Number.isFinite(height) || height <= 0)
      throw new Error('screenshot: could not measure the page height')
    chromium(values.chromium, [
      ...profile,
      `--window-size=${width},${height}`,
      `--force-device-scale-factor=${values.scale}`,
      '--default-background-color=ffffffff',
      `--screenshot=${output}`,
      url,
    ])
    console.error(
      `screenshot: ${output} (${width}×${height} CSS px, ${Math.round(statSync(output).size / 1024)} KiB)`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
