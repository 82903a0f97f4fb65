// What every section gets from the command line.
import { join } from 'node:path'
import type { Mode } from './detection-summary.js'
import { ROOT } from './repo.js'

export interface BenchContext {
  root: string
  /** bench/.work: built services, generated profiles, temporary repositories. */
  workDir: string
  /** The folder holding cli.js and load-worker.js (default: the repository's dist/). */
  dist: string
  quick: boolean
  /** --reps, when given: overrides each section's own default. */
  reps?: number
  /** --duration seconds (load: per run; verdict: the list to try), when given. */
  durations?: number[]
  /** --threads for the load generator (and wrk), default [1]. */
  threads: number[]
  /** --sizes for the detection study (bytes/request), when given. */
  sizes?: number[]
  /** --controls for the detection study, when given. */
  controls?: string[]
  /** --modes for the detection study (default both). */
  modes?: Mode[]
  /** --fixed-reps: detection's fixed reference only in the first N reps (default all). */
  fixedReps?: number
  cpuProf: boolean
}

export function defaultContext(): BenchContext {
  return {
    root: ROOT,
    workDir: join(ROOT, 'bench/.work'),
    dist: join(ROOT, 'dist'),
    quick: false,
    threads: [1],
    cpuProf: false,
  }
}

export interface Section {
  name: string
  /** One line for --help. */
  about: string
  /** Runs the section; returns the Markdown printed to stdout. */
  run(ctx: BenchContext): Promise<string>
}
