// A finding's kind-specific facts (Finding.details, documented in the analysis
// contract) as one readable line: start/end/settled/peak of one quantity merged
// into "a → b", bytes in binary units, the analysis' internal bookkeeping left out.
import { formatBytes, formatCount, formatSignedBytes } from '../model/format.js'
import { proseToMarkdown } from './inline.js'
import { escapeMarkdown } from './escape.js'

/** Bookkeeping of the analysis, not facts for a reviewer (the rate and hint already say it). */
const HIDDEN = new Set([
  'hintRule',
  'scatter',
  'noiseFloor',
  'lateSlope',
  'memProfileRate',
  // Said in words by mappingCalls.
  'mappingCpuSamples',
  'mappingCpuShare',
  'mappingCpuShareOnBase',
  'dumpMatches',
  'waitReasonSource',
  'callerEvidence',
  'per1kRequests',
  'fdsPer1kRequests',
  'slopeLow',
  'slopeHigh',
  // Said in the finding's "Also" line.
  'heapRetainedPerRequest',
  'heapExplainedPerRequest',
  'harmPerRequest',
  'stackBytesPerGoroutine',
  'stackBytesPerRequest',
  'serverEnd',
  'serverEndGoroutines',
  'rssPerRequest',
])

/** Base names (lower-cased, phase suffix removed) whose values are bytes. */
const BYTES = new Set([
  '',
  'rss',
  'heapinuse',
  'heapidle',
  'heapreleased',
  'heapsys',
  'stackinuse',
  'sys',
  'heapunreturned',
  'liveheapgrowth',
  'stackbytes',
  'heapretainedperrequest',
  'liveheapperrequest',
])

const LABEL: Record<string, string> = {
  '': 'live heap at this site (fitted)',
  rss: 'RSS',
  count: 'goroutines',
  readLoop: 'readLoop goroutines',
  openFds: 'open fds',
  inuseObjects: 'live objects',
  heapUnreturned: 'heap not returned to the OS',
  liveHeapGrowth: 'live heap growth',
  heapRetainedPerRequest: 'heap retained per request',
}

type Phase = 'Start' | 'End' | 'Settled' | 'Peak'

function label(base: string): string {
  if (LABEL[base]) return LABEL[base]
  // Runtime names (HeapInuse, GOGC) keep their spelling; camelCase becomes words.
  if (/^[A-Z]/.test(base)) return base
  return base.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
}

function value(base: string, v: number, signed = false): string {
  const lower = base.toLowerCase()
  if (lower === 'heapretainedperrequest') return `${formatSignedBytes(v)}/req`
  if (BYTES.has(lower)) return signed ? formatSignedBytes(v) : formatBytes(v)
  return formatCount(v)
}

export interface DetailParts {
  /** Inline facts, already escaped. */
  inline: string[]
  /** Multi-line values (a log tail) for a folded code block: raw text. */
  blocks: { title: string; text: string }[]
}

/** `skipGroup`: a start/end group shown elsewhere (the evidence line's series). */
export function detailParts(details: Record<string, string | number>, skipGroup?: string): DetailParts {
  const inline: string[] = []
  const blocks: DetailParts['blocks'] = []
  const groups = new Map<string, Partial<Record<Phase, string | number>>>()
  const order: { key: string; group?: string }[] = []

  for (const [key, v] of Object.entries(details)) {
    if (HIDDEN.has(key)) continue
    const m = /^(.*?)(Start|End|Settled|Peak)$/.exec(key)
    // "start"/"end" alone are the fitted bytes of a heap finding.
    const phaseKey =
      m ?? (/^(start|end|settled|peak)$/.exec(key) ? ['', '', key[0].toUpperCase() + key.slice(1)] : null)
    if (phaseKey) {
      const base = phaseKey[1]
      if (!groups.has(base)) {
        groups.set(base, {})
        order.push({ key, group: base })
      }
      groups.get(base)![phaseKey[2] as Phase] = v
    } else {
      order.push({ key })
    }
  }

  for (const item of order.slice(0, 24)) {
    if (item.group !== undefined) {
      if (item.group === skipGroup) continue
      const g = groups.get(item.group)!
      const show = (p: Phase): string | undefined =>
        g[p] === undefined
          ? undefined
          : typeof g[p] === 'number'
            ? value(item.group!, g[p] as number)
            : String(g[p])
      const span = [show('Start'), show('End')].filter(Boolean).join(' → ')
      const extra = [
        show('Settled') && `after the load ${show('Settled')}`,
        show('Peak') && `peak ${show('Peak')}`,
      ].filter(Boolean)
      const text = [span, ...extra].filter(Boolean).join(', ')
      inline.push(`${escapeMarkdown(label(item.group))}: ${escapeMarkdown(text, { max: 200 })}`)
      continue
    }
    const v = details[item.key]
    const name = escapeMarkdown(label(item.key), { max: 60 })
    if (typeof v === 'number')
      inline.push(`${name}: ${escapeMarkdown(value(item.key, v, item.key === 'liveHeapGrowth'))}`)
    else if (/[\r\n]/.test(v)) blocks.push({ title: item.key, text: v })
    else inline.push(`${name}: ${proseToMarkdown(v, 300)}`)
  }
  return { inline, blocks }
}
