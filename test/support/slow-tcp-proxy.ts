import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SlowTcpProxy {
  port: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real server that holds every chunk a client sends for `delayMs`
 * (in order): a slow network to the real S3, so that an activity is reliably still running when
 * a test kills or stops its worker.
 */
export async function startSlowTcpProxy(target: { host: string; port: number }, delayMs: number): Promise<SlowTcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      queue = queue.then(async () => {
        await sleep(delayMs);
        if (!upstream.destroyed) upstream.write(chunk);
      });
    });
    client.on('end', () => {
      void queue.then(() => upstream.end());
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
