// A service that dies under load is the worst leak there is: it becomes a
// finding of its own, pointing at the panic's first frame in the service's code.
import type { Finding } from '../model/analysis.js'
import type { Crash } from '../model/sides.js'
import { parseGoroutineDump } from '../profile/goroutine-dump.js'

function isOwn(func: string, modulePath: string): boolean {
  return func.startsWith('main.') || func.startsWith(`${modulePath}.`) || func.startsWith(`${modulePath}/`)
}

/** The first panic/fatal line of the log tail, e.g. "fatal error: runtime: out of memory". */
function crashReason(logTail: string): string | undefined {
  const line = logTail.split('\n').find((l) => /^(panic: |fatal error: |runtime: out of memory)/.test(l))
  return line?.trim()
}

export function crashFinding(error: Crash, modulePath: string, baseCrashed: boolean): Finding {
  const reason = crashReason(error.logTail)
  const traceStart = error.logTail.search(/^goroutine \d+ \[/m)
  const goroutines = traceStart >= 0 ? parseGoroutineDump(error.logTail.slice(traceStart)) : []
  const frames = goroutines[0]?.frames ?? []
  const own = frames.find((f) => isOwn(f.func, modulePath))
  const oom = /out of memory|cannot allocate memory/i.test(error.logTail) || error.exit.signal === 'SIGKILL'
  const requests = error.load?.requests ?? 0
  return {
    kind: 'crash',
    status: baseCrashed ? 'pre-existing' : 'new',
    site: {
      key: `crash:${own?.func ?? frames[0]?.func ?? 'unknown'}`,
      function: own?.func ?? frames[0]?.func ?? '(unknown)',
      ownFrame: own ? { function: own.func, file: own.file, line: own.line } : undefined,
      stack: frames.slice(0, 32).map((f) => `${f.func} ${f.file}:${f.line}`),
    },
    rate: 0,
    unit: '',
    growth: 0,
    summary: `The ${error.side} service died under load${requests ? ` after ${requests.toLocaleString('en-US')} requests` : ''}: ${reason ?? error.message.split('\n')[0]}.`,
    hint: oom
      ? 'The process ran out of memory (or was killed): a leak this fast ends in an OOM kill in production. Look at the heap findings and the last heap profile in the artifact.'
      : `Fix the ${reason?.startsWith('panic') ? 'panic' : 'crash'}${own ? ` at ${own.file}:${own.line}` : ''}; a handler that panics under concurrency often shares state without a lock (run the tests with -race).`,
    evidence: { requests: [], values: [] },
    details: {
      exit: error.exit.signal ? `signal ${error.exit.signal}` : `code ${error.exit.code}`,
      ...(error.elapsedMs >= 0 ? { 'seconds into the load': Math.round(error.elapsedMs / 100) / 10 } : {}),
      'log tail': error.logTail.split('\n').slice(-15).join('\n'),
    },
  }
}
