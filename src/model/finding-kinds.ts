// The one table of finding kinds: what each is called and whether it is a leak
// (a leak sets the verdict; bounded growth is information). Every list of kinds
// (the verdict, the report's labels, the JSON report's validation) reads this.
export const FINDING_KINDS = {
  'heap-leak': { label: 'heap leak', leak: true },
  'goroutine-leak': { label: 'goroutine leak', leak: true },
  'connection-leak': { label: 'connection leak', leak: true },
  'rss-growth': { label: 'memory outside the Go heap', leak: true },
  'bounded-growth': { label: 'bounded growth', leak: false },
  crash: { label: 'crash', leak: true },
} as const satisfies Record<string, { label: string; leak: boolean }>

export type FindingKind = keyof typeof FINDING_KINDS

/** Every kind, in the table's order. */
export const ALL_FINDING_KINDS = Object.keys(FINDING_KINDS) as FindingKind[]

/** A reviewer's name for each kind: "heap leak", "memory outside the Go heap". */
export const KIND_LABEL = Object.fromEntries(
  ALL_FINDING_KINDS.map((kind) => [kind, FINDING_KINDS[kind].label]),
) as Record<FindingKind, string>

/** True for every kind that is a leak (a crash is the worst one); false for bounded growth. */
export function isLeakKind(kind: FindingKind): boolean {
  return FINDING_KINDS[kind]?.leak ?? false
}
