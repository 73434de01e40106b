/**
 * Decoder of one ftrace ring-buffer sub-buffer ("page") as read from per_cpu/cpuN/trace_pipe_raw.
 *
 * Layout (events/header_page, events/header_event): a u64 timestamp, a `commit` word whose low 30 bits
 * are the data length, bit 31 = events were lost before this page (RB_MISSED_EVENTS) and bit 30 = their
 * count is stored as an unsigned long right after the data (RB_MISSED_STORED); then the events. Each
 * event starts with a u32 {type_len:5, time_delta:27}:
 *   type_len 1..28  data of type_len*4 bytes follows
 *   type_len 0      a u32 length (including itself) follows, then the data
 *   29 padding      u32 length of what follows (time_delta 0: the rest of the page is empty)
 *   30 time extend  u32: the time advances by (u32 << 27) + time_delta
 *   31 time stamp   absolute time (u32 << 27) + time_delta
 * Padding adds no time, as in the kernel's reader (rb_update_read_stamp). Times are nanoseconds as
 * JS numbers; absolute stamps are taken as they stand (the kernel's fix-up of bits above 59 only
 * matters after 18 years of uptime).
 */
import type { HeaderPage } from './format.js';
import { readU64 } from './format.js';

/** Called per data event: `off` is the start of the record (its u16 common_type), `len` its bytes. */
export type RawEventHandler = (buf: Buffer, off: number, len: number, timeNs: number) => void;

export interface SubbufferInfo {
  /** Data events decoded. */
  events: number;
  /** The kernel flagged lost events before this page. */
  missed: boolean;
  /** How many were lost, when the kernel could store the count in the page; else -1. */
  missedCount: number;
}

const TS_SHIFT_MUL = 134217728; // 2^27
const RB_MISSED_EVENTS = 0x80000000;
const RB_MISSED_STORED = 0x40000000;
const LEN_MASK = 0x3fffffff;

/**
 * Decodes the sub-buffer at buf[off, off + size). Throws an Error naming the byte offset when an
 * event runs past the page (a corrupt or misaligned read).
 */
export function decodeSubbuffer(
  buf: Buffer,
  off: number,
  size: number,
  hdr: HeaderPage,
  onEvent: RawEventHandler,
): SubbufferInfo {
  let ts = readU64(buf, off + hdr.timestampOffset);
  const commit = buf.readUInt32LE(off + hdr.commitOffset);
  const dataLen = commit & LEN_MASK;
  const dataStart = off + hdr.dataOffset;
  const end = dataStart + dataLen;
  if (end > off + size)
    throw new Error(`trace page at byte ${off}: data length ${dataLen} exceeds the page size ${size}`);
  let events = 0;
  let i = dataStart;
  while (i < end) {
    const h = buf.readUInt32LE(i);
    const typeLen = h & 31;
    const delta = h >>> 5;
    i += 4;
    if (typeLen === 29) {
      if (delta === 0) break;
      i += buf.readUInt32LE(i);
      continue;
    }
    if (typeLen === 30) {
      ts += buf.readUInt32LE(i) * TS_SHIFT_MUL + delta;
      i += 4;
      continue;
    }
    if (typeLen === 31) {
      ts = buf.readUInt32LE(i) * TS_SHIFT_MUL + delta;
      i += 4;
      continue;
    }
    let len: number;
    if (typeLen === 0) {
      len = buf.readUInt32LE(i) - 4;
      i += 4;
    } else {
      len = typeLen * 4;
    }
    if (len < 0 || i + len > end)
      throw new Error(`trace page at byte ${off}: event at offset ${i - off} runs past the data end`);
    ts += delta;
    onEvent(buf, i, len, ts);
    events++;
    i += len;
  }
  const missed = (commit & RB_MISSED_EVENTS) !== 0;
  const stored = (commit & RB_MISSED_STORED) !== 0 && end + 8 <= off + size;
  return { events, missed, missedCount: missed && stored ? readU64(buf, end) : -1 };
}
