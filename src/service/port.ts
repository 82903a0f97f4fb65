// A busy port would make us measure whatever already listens there (often a
// previous run's leftover) instead of the freshly built service: refuse early.
import * as net from 'node:net'

/** True when something accepts connections on 127.0.0.1:port or holds the port. */
export async function isPortInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  if (await accepts(port, host)) return true
  // Nothing answered; a listen probe also catches a socket bound but not accepting.
  return !(await canListen(port, host))
}

/** The same for both sides: not a fault of either. */
export class PortInUseError extends Error {
  override name = 'PortInUseError'
}

export async function assertPortFree(port: number): Promise<void> {
  if (await isPortInUse(port)) {
    throw new PortInUseError(
      `port ${port} is already in use on 127.0.0.1; stop whatever listens there or set the port input`,
    )
  }
}

function accepts(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host })
    const done = (result: boolean): void => {
      socket.destroy()
      resolve(result)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}
