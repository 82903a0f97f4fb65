// The step's outcome under `fail-on`: one plain-text line per reason (they end
// up in the log, in core.setFailed and in the report), empty when it passes.
import type { Analysis, Finding, Verdict } from '../model/analysis.js'
import { isLeakKind } from '../model/finding-kinds.js'
import { formatBytes, formatChange, formatRate } from '../model/format.js'

export const FAIL_ON_WORDS = ['leak', 'new-leak', 'regression', 'no-verdict', 'none'] as const
export type FailOnWord = (typeof FAIL_ON_WORDS)[number]

function where(f: Finding): string {
  const frame = f.site.ownFrame
  const file = frame ? ` (${frame.file.split('/').pop()}:${frame.line})` : ''
  return `${frame?.function ?? f.site.function}${file}`
}

function describe(f: Finding): string {
  if (f.kind === 'crash') return `the service crashed under load: ${f.summary}`
  return `${f.kind} ${formatRate(f.rate, f.unit)} in ${where(f)}`
}

/**
 * Why the step fails, one line per reason. `analysis`, when given, names the
 * finding or the allocation change behind each reason.
 */
export function failuresFor(verdict: Verdict, failOn: readonly string[], analysis?: Analysis): string[] {
  const words = failOn.map((w) => w.trim().toLowerCase()).filter(Boolean)
  for (const word of words) {
    if (!(FAIL_ON_WORDS as readonly string[]).includes(word)) {
      throw new Error(
        `fail-on: unknown word ${JSON.stringify(word)}; expected any of ${FAIL_ON_WORDS.join(', ')}`,
      )
    }
  }
  if (words.includes('none')) return []
  const findings = (analysis?.findings ?? []).filter((f) => isLeakKind(f.kind))
  const reasons: string[] = []
  // new-leak is the narrower word: when both are given, the leak line says what is new.
  if (words.includes('new-leak') && verdict.newLeak) {
    const fresh = findings.filter((f) => f.status === 'new' || f.status === 'worsened')
    const detail = fresh.length ? `: ${fresh.slice(0, 3).map(describe).join('; ')}` : ''
    reasons.push(`new leak on head (fail-on: new-leak)${detail}`)
  } else if (words.includes('leak') && verdict.leak) {
    const detail = findings.length ? `: ${findings.slice(0, 3).map(describe).join('; ')}` : ''
    reasons.push(`head leaks (fail-on: leak)${detail}`)
  }
  if (words.includes('leak') && verdict.leak && words.includes('new-leak') && verdict.newLeak) {
    // Already reported above with the new findings; the pre-existing ones still fail `leak`.
    const old = findings.filter((f) => f.status === 'pre-existing' || f.status === 'unknown')
    if (old.length) reasons.push(`head leaks (fail-on: leak): ${old.slice(0, 3).map(describe).join('; ')}`)
  }
  if (words.includes('regression') && verdict.regression) {
    const total = analysis?.total
    let detail = ''
    if (total?.base) {
      detail = `: ${formatChange(total.change)} bytes allocated per request (${formatBytes(total.base.bytesPerRequest)} -> ${formatBytes(total.head.bytesPerRequest)})`
      const top = analysis?.growing.find((g) => g.significant)
      if (top) detail += `, most in ${top.site.ownFrame?.function ?? top.site.function}`
    }
    reasons.push(`allocation regression (fail-on: regression)${detail}`)
  }
  // A run that could not judge (requests failed or were throttled, the run was cut short) must not
  // pass a required check as if it had measured the code; a finding it did make fails above instead.
  const doubt = analysis?.untrustworthy?.[0]
  if (words.includes('no-verdict') && doubt && reasons.length === 0) {
    reasons.push(`no verdict (fail-on: no-verdict): ${doubt.replace(/\s*\n\s*/g, ' ')}`)
  }
  return reasons
}
