// One run of the built-in load generator in a process of its own, so the load
// section can profile it (node --cpu-prof profiles the worker threads too).
//   node --cpu-prof --import tsx bench/lib/load-once.ts PORT THREADS SECONDS
import { startLoad } from '../../src/load/generator.js'
import { parseRequests } from '../../src/load/requests.js'

const [port, threads, seconds] = process.argv.slice(2).map(Number)
const load = await startLoad({
  port: port!,
  requests: parseRequests('GET /time'),
  connections: 16,
  threads: threads!,
  deadlineMs: (seconds! + 30) * 1000,
})
load.resetStats()
await new Promise((resolve) => setTimeout(resolve, seconds! * 1000))
const stats = await load.stop()
process.stdout.write(JSON.stringify(stats))
