// The profile engine: decode pprof bytes into a resolved model, aggregate it
// by function or by any key, diff two profiles as pprof does, and parse the
// runtime's text endpoints (heap?debug=1 MemStats, goroutine?debug=2).
export * from './aggregate.js'
export * from './decode.js'
export * from './diff.js'
export * from './errors.js'
export * from './goroutine-dump.js'
export * from './memstats.js'
export * from './sample-types.js'
export * from './top-format.js'
export type * from './types.js'
export * from './units.js'
