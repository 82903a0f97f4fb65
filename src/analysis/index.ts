// The analysis stage: pure functions from decoded snapshots to findings,
// allocation changes and a verdict. analyse() is the entry point; the rest is
// exported for the report (formatting helpers) and for tests.
export { analyse } from './analyse.js'
export { LEAK_KINDS } from './status.js'
export { TOTAL_KEY } from './heap.js'
export { RSS_KEY } from './rss.js'
export { CONNECTION_KEY } from './goroutines.js'
export { TOTAL_SITE } from './regression.js'
export type * from './types.js'
