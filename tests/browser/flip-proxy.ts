// A TCP proxy between a browser and the relay that, when armed, flips one bit in the next
// relay→browser WebSocket message longer than a threshold: a hostile network in miniature.
// Everything else passes through byte for byte. Listens on 127.0.0.1 only.

import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FlipProxy {
  /** http://127.0.0.1:PORT, to open pages through the proxy. */
  url: string;
  /** Flip a bit in the next relay→browser binary message with a payload over `minPayload`. */
  arm(minPayload: number): void;
  /** How many messages were tampered with. */
  flipped(): number;
  close(): Promise<void>;
}

/** Splits server→client WebSocket bytes into frames (server frames are never masked). */
class FrameTamperer {
  private buffer = Buffer.alloc(0);
  private headerDone = false;

  constructor(private readonly shouldFlip: (opcode: number, length: number) => boolean) {}

  push(chunk: Buffer): Buffer {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: Buffer[] = [];
    if (!this.headerDone) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return Buffer.alloc(0);
      out.push(this.buffer.subarray(0, end + 4));
      this.buffer = this.buffer.subarray(end + 4);
      this.headerDone = true;
    }
    for (;;) {
      if (this.buffer.length < 2) break;
      const opcode = this.buffer[0] & 0x0f;
      let length = this.buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (this.buffer.length < offset + length) break;
      const frame = Buffer.from(this.buffer.subarray(0, offset + length));
      if (this.shouldFlip(opcode, length)) {
        frame[frame.length - 1] ^= 0x01;
      }
      out.push(frame);
      this.buffer = this.buffer.subarray(offset + length);
    }
    return Buffer.concat(out);
  }
}

export async function startFlipProxy(target: string): Promise<FlipProxy> {
  const { hostname, port } = new URL(target);
  let armed: number | null = null;
  let flips = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    let tamperer: FrameTamperer | null = null;
    client.on('data', (chunk) => {
      // A connection that asks for /ws carries WebSocket frames after the 101.
      if (!tamperer && chunk.subarray(0, 8).toString() === 'GET /ws ') {
        tamperer = new FrameTamperer((opcode, length) => {
          if (armed !== null && opcode === 0x2 && length > armed) {
            armed = null;
            flips += 1;
            return true;
          }
          return false;
        });
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(tamperer ? tamperer.push(chunk) : chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    arm(minPayload) {
      armed = minPayload;
    },
    flipped: () => flips,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}
