import net from 'node:net';

/** True when nothing listens on `host:port` (we can bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS reports free now. Racy by nature; callers start their server right after. */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * SeaweedFS binds each service's gRPC port at HTTP port + 10000, so both must be free. Searches the
 * range below 55535 so the companion port stays valid.
 */
export async function findFreePortPair(offset = 10000, host = '127.0.0.1', exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * (65535 - offset - 20000));
    if (exclude.has(port) || exclude.has(port + offset)) continue;
    if ((await isPortFree(port, host)) && (await isPortFree(port + offset, host))) return port;
  }
  throw new Error('no free pair of ports (p, p+10000) found for SeaweedFS');
}
