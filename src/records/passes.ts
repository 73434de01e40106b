/**
 * Several passes over one record file's snapshots as columns, for reports that must see the whole file
 * before they can draw it (the heatmap's guide comes before its pixels). The first pass reads the file
 * and keeps copies of the snapshots while they fit in a memory budget; later passes replay the copies
 * instead of inflating and decoding the file again (most of a pass's cost, above all for damo's
 * indented layout). A file that does not fit is read again at each pass, so memory stays bounded
 * whatever the file size.
 */
import { allocColumns, columnsLength, type ColumnarSnapshot } from './columns.js';
import {
  streamColumnar,
  type ColumnarStreamHandler,
  type ColumnarStreamOptions,
  type StreamResult,
} from './reader.js';
import type { RecordHeader } from './types.js';

/** Bytes of snapshot columns kept for later passes: 2,000 snapshots × 500 regions take 56 MiB. */
export const PASS_CACHE_BYTES = 128 * 2 ** 20;

/** Bytes a kept region costs: its seven float64 columns. */
const REGION_BYTES = 7 * 8;
/** Bytes counted for a snapshot's or a record's own objects. */
const ENTRY_BYTES = 256;
/** Float64 values per slab the kept columns are carved from (few large allocations, not one per snapshot). */
const SLAB_VALUES = 1 << 20;

type Event =
  | { kind: 'start'; h: RecordHeader; ri: number }
  | { kind: 'snapshot'; s: ColumnarSnapshot; h: RecordHeader; ri: number; si: number }
  | { kind: 'end'; h: RecordHeader; ri: number; nr: number };

/** Copies of snapshots whose columns no longer depend on the reader's reused buffers. */
class Keeper {
  private slab = new Float64Array(0);
  private used = 0;

  keep(s: ColumnarSnapshot): ColumnarSnapshot {
    const c = s.regions;
    const len = columnsLength(c.n);
    if (this.used + len > this.slab.length) {
      this.slab = new Float64Array(Math.max(len, SLAB_VALUES));
      this.used = 0;
    }
    const k = allocColumns(c.n, this.slab.subarray(this.used, this.used + len));
    this.used += len;
    k.start.set(c.start);
    k.end.set(c.end);
    k.samples.set(c.samples);
    k.percent.set(c.percent);
    k.usec.set(c.usec);
    k.aggr.set(c.aggr);
    k.szFilter.set(c.szFilter);
    return { ...s, regions: k };
  }
}

export class ColumnarPasses {
  /** The events of the first pass, or null once they did not fit. */
  private kept: Event[] | null = [];
  private bytes = 0;
  private first: StreamResult | null = null;

  /**
   * Handlers must not change a snapshot nor keep its columns past the call (they may be the reader's
   * reused buffers, or the copies replayed to the next pass).
   */
  constructor(
    readonly path: string,
    private readonly read: ColumnarStreamOptions = {},
    private readonly budget = PASS_CACHE_BYTES,
  ) {}

  /** Whether later passes replay kept snapshots rather than read the file again. */
  get replays(): boolean {
    return this.first !== null && this.kept !== null;
  }

  /** One pass over the file's snapshots, in file order. */
  async stream(handler: ColumnarStreamHandler): Promise<StreamResult> {
    if (this.first && this.kept) {
      for (const e of this.kept) {
        if (e.kind === 'start') handler.recordStart?.(e.h, e.ri);
        else if (e.kind === 'snapshot') handler.snapshot(e.s, e.h, e.ri, e.si);
        else handler.recordEnd?.(e.h, e.ri, e.nr);
      }
      return this.first;
    }
    const keeping = this.first === null;
    const keeper = new Keeper();
    const log = (e: Event, cost: number): void => {
      if (!keeping || !this.kept) return;
      this.bytes += cost;
      if (this.bytes > this.budget) this.kept = null;
      else this.kept.push(e);
    };
    const r = await streamColumnar(
      this.path,
      {
        recordStart: (h, ri) => {
          log({ kind: 'start', h, ri }, ENTRY_BYTES);
          handler.recordStart?.(h, ri);
        },
        snapshot: (s, h, ri, si) => {
          const cost = s.regions.n * REGION_BYTES + ENTRY_BYTES;
          // breakdowns are objects of unknown size: such files are read again
          if (s.regions.breakdown || this.bytes + cost > this.budget) this.kept = null;
          else if (keeping && this.kept) log({ kind: 'snapshot', s: keeper.keep(s), h, ri, si }, cost);
          handler.snapshot(s, h, ri, si);
        },
        recordEnd: (h, ri, nr) => {
          log({ kind: 'end', h, ri, nr }, ENTRY_BYTES);
          handler.recordEnd?.(h, ri, nr);
        },
      },
      { ...this.read, transient: true },
    );
    this.first ??= r;
    return r;
  }
}
