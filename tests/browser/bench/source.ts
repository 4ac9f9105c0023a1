// The benchmark's source file: random bytes written once under target/bench/ and reused while
// their size is right, and SHA-256 of files read as a stream (never a whole file in memory).

import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Bytes written or hashed at a time. */
const BLOCK = 16 * 1024 * 1024;

/** SHA-256 (hex) of the file at `path`, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(block as Buffer);
  }
  return hash.digest('hex');
}

/**
 * Makes sure `path` holds `size` random bytes (reusing a file of that size, else writing a new
 * one next to it and renaming it into place) and returns its SHA-256.
 */
export async function sourceFile(path: string, size: number): Promise<{ sha256: string; reused: boolean }> {
  const existing = (() => {
    try {
      return statSync(path).size;
    } catch {
      return -1;
    }
  })();
  if (existing === size) {
    return { sha256: await sha256File(path), reused: true };
  }
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  const hash = createHash('sha256');
  const block = Buffer.alloc(BLOCK);
  try {
    for (let written = 0; written < size; ) {
      const part = block.subarray(0, Math.min(BLOCK, size - written));
      randomFillSync(part);
      hash.update(part);
      writeSync(fd, part);
      written += part.length;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(partial, path);
  return { sha256: hash.digest('hex'), reused: false };
}
