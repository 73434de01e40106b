/**
 * What kind of record file a file is, from its first bytes, whatever its name: a zlib header → inflate →
 * JSON; a first non-space `[` → JSON (after an optional UTF-8 byte order mark); other text → perf_script.
 * What cannot be a record (unreadable, a directory, empty, UTF-16, binary data) is refused here, before
 * any reading, with an Error naming the file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type SniffedType = 'json_compressed' | 'json' | 'perf_script';

export interface Sniffed {
  type: SniffedType;
  /** Bytes to skip before the content (a UTF-8 byte order mark). */
  skip: number;
}

const HEAD_BYTES = 4096;

/** Whether bytes hold text: no control characters other than tab, newline and carriage return. */
function firstNonText(b: Buffer): number {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return i;
  }
  return -1;
}

/**
 * The record type of a file from its first bytes, or an Error naming the file when it cannot be a
 * record: unreadable, a directory, empty, UTF-16 text, or binary data other than zlib.
 */
export function sniff(path: string): Sniffed {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`${path}: cannot open: ${(e as Error).message}`);
  }
  const head = Buffer.alloc(HEAD_BYTES);
  let n: number;
  try {
    if (fstatSync(fd).isDirectory()) throw new Error(`${path}: is a directory, not a record file`);
    n = readSync(fd, head, 0, head.length, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === undefined) throw e;
    throw new Error(`${path}: cannot read: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
  if (n === 0) throw new Error(`${path}: empty file, not a record file`);
  const b = head.subarray(0, n);
  if (n >= 2 && (b[0]! & 0x0f) === 8 && ((b[0]! << 8) | b[1]!) % 31 === 0)
    return { type: 'json_compressed', skip: 0 };
  const utf16 =
    (b[0] === 0xff && b[1] === 0xfe) ||
    (b[0] === 0xfe && b[1] === 0xff) ||
    (n >= 2 && (b[0] === 0 || b[1] === 0) && b[0] !== b[1]);
  if (utf16)
    throw new Error(
      `${path}: UTF-16 text; record files are UTF-8 (convert it, e.g. iconv -f UTF-16 -t UTF-8)`,
    );
  const skip = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const text = b.subarray(skip);
  const bad = firstNonText(text);
  if (bad >= 0)
    throw new Error(
      `${path}: byte ${bad + skip}: binary data (0x${text[bad]!.toString(16).padStart(2, '0')}): not a record file (neither zlib-compressed JSON, JSON nor perf script text)`,
    );
  return { type: text.toString('latin1').trimStart().startsWith('[') ? 'json' : 'perf_script', skip };
}

/** The record type of a file from its first bytes; throws when it cannot be a record file. */
export function sniffRecordFile(path: string): SniffedType {
  return sniff(path).type;
}
