/**
 * Reads a file in chunks, synchronously (for workloads, which the machine runs synchronously) or
 * asynchronously (for report streams). Chunks are views of one reused buffer: each is valid until
 * the next one is requested.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';

export const CHUNK_BYTES = 1 << 20;

function openError(path: string, e: unknown): Error {
  return new Error(`${path}: cannot read trace: ${(e as Error).message}`);
}

export function* readChunksSync(path: string, chunkBytes = CHUNK_BYTES): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw openError(path, e);
  }
  try {
    const buf = Buffer.allocUnsafeSlow(chunkBytes);
    for (;;) {
      const n = readSync(fd, buf, 0, chunkBytes, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

export async function* readChunks(path: string, chunkBytes = CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw openError(path, e);
  }
  try {
    const buf = Buffer.allocUnsafeSlow(chunkBytes);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
