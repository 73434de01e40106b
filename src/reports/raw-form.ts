/**
 * `report access --raw_form` (damo-report-math.md §2), streamed snapshot by snapshot in one pass. The
 * record head names the data source, which damo's files store after the snapshots, so each record's
 * body goes to a spool file first and is copied out after its head once the record ends.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamColumnar, type ColumnarStreamOptions } from '../records/reader.js';
import { absTime } from '../records/serialize.js';
import { fmtSz, fmtTimeNs, pyD, pyS } from '../records/pyformat.js';
import { TextSink } from './output.js';

/** damo pipes more than this many lines through `less`, which drops the final newline. */
export const PAGER_LINES = 50;

const TWO32 = 2 ** 32;

/** `%012x`; addresses above 2^32 are printed in two halves (toString(16) of large doubles is slow). */
function hex12(v: number): string {
  if (v < TWO32) return v.toString(16).padStart(12, '0');
  const hi = Math.floor(v / TWO32);
  const lo = v - hi * TWO32;
  return (hi.toString(16) + lo.toString(16).padStart(8, '0')).padStart(12, '0');
}

/** damo's final newline: printed unless the text has more than PAGER_LINES newlines. */
export function pagerTail(newlines: number): string {
  return newlines <= PAGER_LINES ? '\n' : '';
}

/** A formatter that remembers its results: sizes, counts and ages repeat a lot across regions. */
function memo(f: (v: number) => string): (v: number) => string {
  const cache = new Map<number, string>();
  return (v) => {
    let s = cache.get(v);
    if (s === undefined) {
      s = f(v);
      if (cache.size < 1 << 16) cache.set(v, s);
    }
    return s;
  };
}

export async function reportRawForm(
  path: string,
  rawNumber: boolean,
  out: TextSink,
  read: ColumnarStreamOptions = {},
): Promise<void> {
  const size = memo((v) => fmtSz(v, rawNumber).padStart(12));
  const samples = memo((v) => pyD(v).padStart(11));
  const age = memo((v) => pyD(v).padStart(5));
  const dir = mkdtempSync(join(tmpdir(), 'damon-ts-raw-form-'));
  const spoolPath = join(dir, 'body');
  let fd = -1;
  let body: TextSink | null = null;
  // damo joins the lines with '\n' and ends with one empty element: every line but that one ends in '\n'
  let newlines = 0;
  let head = '';
  let base = 0;
  const bodyLine = (s: string): void => {
    body!.write(s + '\n');
    newlines++;
  };
  const copyBody = (): void => {
    body!.flush();
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = 0, n; (n = readSync(fd, buf, 0, buf.length, pos)) > 0; pos += n)
      out.write(buf.toString('latin1', 0, n));
    closeSync(fd);
    fd = -1;
    body = null;
  };
  try {
    await streamColumnar(
      path,
      {
        snapshot(s, h, ri, si) {
          if (s.start_time === null)
            throw new Error(`${path}: record ${ri} snapshot ${si} has no start time`);
          if (si === 0) {
            base = s.start_time;
            head = fmtTimeNs(absTime(base, h.time_base_ns), rawNumber);
            fd = openSync(spoolPath, 'w+');
            const f = fd;
            body = new TextSink((t) => void writeSync(f, t, null, 'latin1'));
          }
          bodyLine(`monitoring_start:    ${fmtTimeNs(s.start_time - base, rawNumber).padStart(16)}`);
          bodyLine(`monitoring_end:      ${fmtTimeNs(s.end_time - base, rawNumber).padStart(16)}`);
          bodyLine(`monitoring_duration: ${fmtTimeNs(s.end_time - s.start_time, rawNumber).padStart(16)}`);
          bodyLine(`target_id: ${pyS(h.target_id)}`);
          bodyLine(`nr_regions: ${s.regions.n}`);
          bodyLine('# start_addr     end_addr        length  nr_accesses   age');
          // one write per snapshot, not per line
          const c = s.regions;
          let text = '';
          for (let i = 0; i < c.n; i++) {
            const st = c.start[i]!;
            const en = c.end[i]!;
            const a = c.aggr[i]!;
            text += `${hex12(st)}-${hex12(en)} (${size(en - st)}) ${samples(c.samples[i]!)} ${age(Number.isNaN(a) ? -1 : a)}\n`;
          }
          body!.write(text);
          newlines += c.n;
          bodyLine('');
        },
        recordEnd(h, _ri, nr) {
          if (nr === 0 || !body) return;
          out.write(`base_time_absolute: ${head}\ndata source: ${h.data_source}\n\n`);
          newlines += 3;
          copyBody();
        },
      },
      read,
    );
    out.write(pagerTail(newlines));
  } finally {
    if (fd >= 0) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
