// A TCP proxy between one browser and the relay that can stall: while stalled it reads nothing
// from either side (so nothing passes, and nothing is closed), as a Wi-Fi link that stops
// carrying packets does. Listens on 127.0.0.1 only.

import { createServer, connect, type Server, type Socket } from 'node:net';

export interface StallProxy {
  /** http://127.0.0.1:PORT, to open pages through the proxy. */
  url: string;
  /** Stops every byte, on open connections and on new ones, until `resume`. */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: string): Promise<StallProxy> {
  const { hostname, port } = new URL(target);
  let stalled = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      if (stalled) socket.pause();
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    stall() {
      stalled = true;
      for (const socket of sockets) socket.pause();
    },
    resume() {
      stalled = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}
