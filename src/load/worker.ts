// Entry point of a load worker thread (bundled as dist/load-worker.js). The
// load runs here so that generating it never delays the main thread's
// snapshots, and the main thread reads the counters from shared memory.
import { parentPort, workerData } from 'node:worker_threads'
import { runClient } from './client.js'
import type { WorkerConfig, WorkerMessage } from './shared.js'

const port = parentPort
if (port) {
  const post = (message: WorkerMessage): void => port.postMessage(message)
  const client = runClient(workerData as WorkerConfig, (text) => post({ type: 'error-sample', text }))
  port.on('message', (message: unknown) => {
    if (message === 'stop') client.stop()
  })
  void client.stopped.then(() => {
    post({ type: 'stopped' })
    port.close()
  })
  post({ type: 'started' })
}
