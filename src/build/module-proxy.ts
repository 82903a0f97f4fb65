// A read-only Go module proxy on 127.0.0.1 over the runner's module download
// cache, for the PR's build-command: it runs as the sandbox user, which can read
// neither our module cache (in our home) nor our credentials, yet must build.
// It gets the modules we already have (GOPROXY protocol, files only: list,
// .info, .mod, .zip), and nothing else of ours; what is not cached is a 404 and
// Go falls back to the public proxies in its GOPROXY list.
import { createReadStream, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join, normalize, sep } from 'node:path'

export interface ModuleProxy {
  url: string
  close(): Promise<void>
}

/** The file a proxy request names inside `root`, or undefined when it names anything else. */
export function proxyFile(root: string, urlPath: string): string | undefined {
  let path: string
  try {
    path = decodeURIComponent(urlPath.split('?')[0]!)
  } catch {
    return undefined
  }
  // <module>/@v/list, <module>/@v/<version>.(info|mod|zip); module paths are lower-case-escaped (!x).
  if (!/^\/[A-Za-z0-9._~!+\-/]+\/@v\/(list|[A-Za-z0-9._+!-]+\.(info|mod|zip))$/.test(path)) return undefined
  const file = normalize(join(root, path))
  return file.startsWith(root + sep) ? file : undefined
}

export function startModuleProxy(downloadCache: string): Promise<ModuleProxy> {
  const root = normalize(downloadCache)
  const server: Server = createServer((req, res) => {
    const file = req.method === 'GET' ? proxyFile(root, req.url ?? '') : undefined
    let size = -1
    try {
      if (file) size = statSync(file).isFile() ? statSync(file).size : -1
    } catch {
      // not cached
    }
    if (!file || size < 0) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end("not in the runner's module cache\n")
      return
    }
    res.writeHead(200, { 'content-length': size })
    createReadStream(file).pipe(res)
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise((r) => server.close(() => r())),
      })
    })
  })
}
