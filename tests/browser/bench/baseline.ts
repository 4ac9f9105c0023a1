// The baseline: the same bytes through the same relay, without encryption and without the app.
// Two pages of the relay's origin speak the wire protocol (PROTOCOL.md A) directly and move the
// file the way the app does: 64 KiB slices read with File.slice().arrayBuffer(), sent by SEND_TO
// in frames of the app's size (a 39-byte header, the bytes, 16 bytes where the tag would be), at
// most 8 unacknowledged, an ack every 4 chunks; the receiver keeps chunks as Blobs gathered per
// 16 and builds one Blob at the end, offered for download.
//
// The functions below run inside the pages (Tab.evaluate): they must not use anything from
// this module's scope.

import { randomBytes } from 'node:crypto';
import type { Tab } from './cdp';

/** Page state the harness reads back. */
export interface BaselineState {
  /** performance.now() at the first chunk (receiver) or at the start of sending (sender). */
  start: number;
  /** performance.now() once the whole file is a Blob (receiver) or acknowledged (sender). */
  end: number;
  /** Bytes received or acknowledged. */
  bytes: number;
  error: string;
}

/** Connects to the relay of this page's origin and joins `room`; resolves to this member's id and
 * the ids already there. */
function join(room: number[]): Promise<{ id: number; members: number[] }> {
  const w = window as unknown as { benchSocket: WebSocket };
  const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws');
  socket.binaryType = 'arraybuffer';
  w.benchSocket = socket;
  return new Promise((resolve, reject) => {
    socket.onerror = () => reject(new Error('WebSocket error'));
    socket.onclose = (e) => reject(new Error(`WebSocket closed (${e.code})`));
    socket.onopen = () => socket.send(Uint8Array.of(0x01, 0x01, ...room));
    socket.onmessage = (e) => {
      const view = new DataView(e.data as ArrayBuffer);
      // WELCOME = 0x80 ‖ your_id(u32) ‖ max_payload(u32) ‖ count(u16) ‖ ids(u32 each)
      if (view.getUint8(0) !== 0x80) return reject(new Error(`expected WELCOME, got ${view.getUint8(0)}`));
      const count = view.getUint16(9);
      const members = Array.from({ length: count }, (_, i) => view.getUint32(11 + 4 * i));
      resolve({ id: view.getUint32(1), members });
    };
  });
}

/** Receiver: collects `total` bytes from whoever sends chunks, then offers the Blob as
 * `#bench-save`. Returns at once; progress is in `window.benchState`. */
function receive(total: number): void {
  const HEADER = 39;
  const TAG = 16;
  const ACK_EVERY = 4;
  const w = window as unknown as { benchSocket: WebSocket; benchState: BaselineState };
  const socket = w.benchSocket;
  const state: BaselineState = { start: 0, end: 0, bytes: 0, error: '' };
  w.benchState = state;
  const handle = navigator.storage
    .getDirectory()
    .then((root) => root.getFileHandle('baseline.bin', { create: true }));
  // Each write waits for the one before, as the app's chain of writes does.
  let chain: Promise<FileSystemWritableFileStream> = handle.then((h) => h.createWritable());
  // Written 1 MiB at a time, as the app does.
  const WRITE_SIZE = 1024 * 1024;
  let buffer = new Uint8Array(WRITE_SIZE);
  let buffered = 0;
  const write = () => {
    const bytes = buffer.subarray(0, buffered);
    buffer = new Uint8Array(WRITE_SIZE);
    buffered = 0;
    chain = chain.then(async (writable) => {
      await writable.write(bytes);
      return writable;
    });
  };
  let next = 0;
  const ack = (to: number) => {
    // SEND_TO = 0x03 ‖ to(u32) ‖ payload; the payload: 0x05 ‖ chunks received(u32)
    const frame = new DataView(new ArrayBuffer(10));
    frame.setUint8(0, 0x03);
    frame.setUint32(1, to);
    frame.setUint8(5, 0x05);
    frame.setUint32(6, next);
    socket.send(frame.buffer);
  };
  socket.onclose = (e) => {
    if (!state.end) state.error = `WebSocket closed (${e.code})`;
  };
  socket.onmessage = (e) => {
    const data = e.data as ArrayBuffer;
    const view = new DataView(data);
    // DELIVER = 0x81 ‖ from(u32) ‖ payload
    if (view.getUint8(0) !== 0x81 || view.getUint8(5) !== 0x04) return;
    if (!state.start) state.start = performance.now();
    const from = view.getUint32(1);
    const index = view.getUint32(6);
    if (index !== next) {
      state.error = `chunk ${index} arrived when ${next} was due`;
      return;
    }
    // A copy, as the app makes when its plaintext leaves wasm memory.
    const bytes = new Uint8Array(data, 5 + HEADER, data.byteLength - 5 - HEADER - TAG);
    buffer.set(bytes, buffered);
    buffered += bytes.length;
    if (buffered > WRITE_SIZE - 65536) write();
    state.bytes += bytes.length;
    next += 1;
    const done = state.bytes >= total;
    if (next % ACK_EVERY === 0 || done) ack(from);
    if (done) {
      write();
      void chain
        .then((writable) => writable.close())
        .then(() => handle)
        .then((h) => h.getFile())
        .then((file) => {
          const link = document.createElement('a');
          link.id = 'bench-save';
          link.download = 'baseline.bin';
          link.href = URL.createObjectURL(new Blob([file], { type: 'application/octet-stream' }));
          link.textContent = 'save';
          state.end = performance.now();
          document.body.append(link);
        })
        .catch((e) => {
          state.error = `writing the file: ${e}`;
        });
    }
  };
}

/** Sender: sends the file of `#bench-file` to member `to`. Returns at once; progress is in
 * `window.benchState`. */
function send(to: number): void {
  const CHUNK = 65536;
  const HEADER = 39;
  const TAG = 16;
  const MAX_IN_FLIGHT = 8;
  const SOCKET_HIGH_WATER = 2 * 1024 * 1024;
  const w = window as unknown as { benchSocket: WebSocket; benchState: BaselineState };
  const socket = w.benchSocket;
  const state: BaselineState = { start: performance.now(), end: 0, bytes: 0, error: '' };
  w.benchState = state;
  const file = (document.getElementById('bench-file') as HTMLInputElement).files![0];
  const count = Math.ceil(file.size / CHUNK);
  let acked = 0;
  let wake: (() => void) | undefined;
  socket.onclose = (e) => {
    if (!state.end) state.error = `WebSocket closed (${e.code})`;
    wake?.();
  };
  socket.onmessage = (e) => {
    const view = new DataView(e.data as ArrayBuffer);
    if (view.getUint8(0) !== 0x81 || view.getUint8(5) !== 0x05) return;
    acked = Math.max(acked, view.getUint32(6));
    state.bytes = Math.min(file.size, acked * CHUNK);
    wake?.();
  };
  const acks = () => new Promise<void>((resolve) => (wake = resolve));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  void (async () => {
    for (let index = 0; index < count && !state.error; index++) {
      while (index - acked >= MAX_IN_FLIGHT && !state.error) await acks();
      while (socket.bufferedAmount > SOCKET_HIGH_WATER) await sleep(5);
      const bytes = new Uint8Array(await file.slice(index * CHUNK, (index + 1) * CHUNK).arrayBuffer());
      const frame = new Uint8Array(5 + HEADER + bytes.length + TAG);
      const view = new DataView(frame.buffer);
      view.setUint8(0, 0x03);
      view.setUint32(1, to);
      view.setUint8(5, 0x04);
      view.setUint32(6, index);
      frame.set(bytes, 5 + HEADER);
      socket.send(frame);
    }
    while (acked < count && !state.error) await acks();
    state.end = performance.now();
  })().catch((e) => {
    state.error = String(e);
  });
}

/** Joins both pages to a fresh room; returns the receiver's member id. */
export async function joinBoth(sender: Tab, receiver: Tab): Promise<number> {
  const room = Array.from(randomBytes(16));
  const them = await receiver.evaluate(join, room);
  const me = await sender.evaluate(join, room);
  if (!me.members.includes(them.id)) throw new Error("the receiver is not in the sender's WELCOME");
  return them.id;
}

/** Puts a file input on the sender's page holding `path`. */
export async function chooseFile(sender: Tab, path: string): Promise<void> {
  await sender.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.id = 'bench-file';
    document.body.append(input);
  });
  await sender.setFiles('#bench-file', path);
}

export async function startReceiving(receiver: Tab, total: number): Promise<void> {
  await receiver.evaluate(receive, total);
}

export async function startSending(sender: Tab, to: number): Promise<void> {
  await sender.evaluate(send, to);
}

/** Waits (polling twice a second) until the receiver has the whole file or an error. */
export async function finished(receiver: Tab, timeoutMs: number): Promise<BaselineState> {
  return receiver.waitFor(
    () => {
      const state = (window as unknown as { benchState: BaselineState }).benchState;
      return state.end > 0 || state.error !== '' ? state : undefined;
    },
    undefined,
    'the whole file at the receiver',
    timeoutMs,
    500,
  );
}
