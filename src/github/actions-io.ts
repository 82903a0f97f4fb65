// What the action says to the runner: log lines, annotations, groups, outputs,
// masks and the step's failure. main.ts hands one down (action/core-io.ts,
// over @actions/core), so the modes and github/ never import @actions/core.

/** Where an annotation points; what @actions/core calls AnnotationProperties. */
export interface AnnotationPlace {
  title?: string
  file?: string
  startLine?: number
}

export interface ActionsIO {
  getInput: (name: string) => string
  /** Masks a value in the job log from here on. */
  setSecret: (value: string) => void
  debug: (line: string) => void
  info: (line: string) => void
  notice: (line: string, at?: AnnotationPlace) => void
  warning: (line: string, at?: AnnotationPlace) => void
  error: (line: string, at?: AnnotationPlace) => void
  /** A collapsible group in the job log around `fn`. */
  group: <T>(title: string, fn: () => Promise<T>) => Promise<T>
  setOutput: (name: string, value: string) => void
  /** Fails the step with this message; the run goes on. */
  setFailed: (message: string) => void
}
