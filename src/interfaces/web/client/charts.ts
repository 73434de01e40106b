/**
 * Time series of a stream drawn with uPlot: working set size, regions and sampling interval, and
 * the access breakdown of report-fed contexts (write/read, per CPU, per thread). x = snapshot end
 * time in seconds. The series come from the stream's bounded frame store, so they are downsampled
 * with it.
 */
import uPlot from 'uplot';
import { fmtSz } from '../../../records/pyformat.js';
import type { Frame } from '../shared/frame.js';

export const COLORS = [
  '#4cc9f0',
  '#f72585',
  '#b5e48c',
  '#ffb703',
  '#9d4edd',
  '#06d6a0',
  '#ef476f',
  '#8ecae6',
  '#e76f51',
  '#adb5bd',
];
/** Breakdown series beyond this many labels are summed into "other". */
const MAX_LABELS = 8;

export const axisStyle = { stroke: '#98a2ad', grid: { stroke: '#2c3038' }, ticks: { stroke: '#2c3038' } };
export const timeAxis = {
  ...axisStyle,
  values: (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : `${+v.toFixed(3)} s`)),
};
export const bytesAxis = {
  ...axisStyle,
  size: 96,
  values: (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : fmtSz(v, false))),
};

export abstract class Chart {
  protected plot: uPlot | null = null;
  protected readonly el: HTMLDivElement;

  constructor(parent: HTMLElement, title: string) {
    const h = document.createElement('h3');
    h.textContent = title;
    this.el = document.createElement('div');
    parent.append(h, this.el);
    // Follow the panel's width (it is 0 while the panel is hidden, and changes with the window).
    new ResizeObserver(() => {
      const w = this.width();
      if (this.plot && Math.abs(this.plot.width - w) > 4)
        this.plot.setSize({ width: w, height: this.plot.height });
    }).observe(this.el);
  }

  protected width(): number {
    return Math.max(200, this.el.clientWidth);
  }

  protected ensure(opts: () => uPlot.Options, data: uPlot.AlignedData, key: string): void {
    if (this.plot && (this.plot as uPlot & { _key?: string })._key !== key) {
      this.plot.destroy();
      this.plot = null;
    }
    if (!this.plot) {
      const o = opts();
      // x is seconds since the record's start, not a date.
      o.scales = { ...o.scales, x: { time: false } };
      this.plot = new uPlot(o, data, this.el);
      (this.plot as uPlot & { _key?: string })._key = key;
      return;
    }
    this.plot.setData(data);
  }

  abstract update(frames: readonly Frame[]): void;
}

export function xs(frames: readonly Frame[]): number[] {
  return frames.map((f) => f.meta.t1 / 1e9);
}

export class WssChart extends Chart {
  constructor(parent: HTMLElement) {
    super(parent, 'Working set size');
  }

  update(frames: readonly Frame[]): void {
    this.ensure(
      () => ({
        width: this.width(),
        height: 150,
        series: [
          { label: 's' },
          {
            label: 'wss',
            stroke: COLORS[0],
            fill: 'rgba(76,201,240,.15)',
            value: (_u, v) => (v == null ? '-' : fmtSz(v, false)),
          },
        ],
        axes: [timeAxis, bytesAxis],
      }),
      [xs(frames), frames.map((f) => f.meta.wss)],
      'wss',
    );
  }
}

export class RegionsChart extends Chart {
  constructor(parent: HTMLElement) {
    super(parent, 'Regions and sampling interval');
  }

  update(frames: readonly Frame[]): void {
    this.ensure(
      () => ({
        width: this.width(),
        height: 150,
        series: [
          { label: 's' },
          { label: 'nr_regions', stroke: COLORS[2], scale: 'n' },
          { label: 'sample µs', stroke: COLORS[3], scale: 'us' },
        ],
        scales: { n: {}, us: {} },
        axes: [
          timeAxis,
          { ...axisStyle, scale: 'n' },
          { ...axisStyle, scale: 'us', side: 1, size: 64, grid: { show: false } },
        ],
      }),
      [xs(frames), frames.map((f) => f.meta.nr), frames.map((f) => f.meta.si)],
      'regions',
    );
  }
}

export type BreakdownKind = 'write' | 'cpu' | 'thread';

export class BreakdownChart extends Chart {
  kind: BreakdownKind = 'write';
  private frames: readonly Frame[] = [];

  constructor(parent: HTMLElement) {
    super(parent, 'Access breakdown (bytes × access frequency)');
    const sel = document.createElement('select');
    for (const k of ['write', 'cpu', 'thread'] as const)
      sel.append(new Option(k === 'write' ? 'read / write' : `per ${k}`, k));
    sel.addEventListener('change', () => {
      this.kind = sel.value as BreakdownKind;
      this.update(this.frames);
    });
    this.el.before(sel);
  }

  update(frames: readonly Frame[]): void {
    this.frames = frames;
    const withBd = frames.filter((f) => f.meta.bd);
    const prefix = this.kind === 'write' ? null : `${this.kind} `;
    const totals = new Map<string, number>();
    for (const f of withBd)
      for (const [k, v] of Object.entries(f.meta.bd!))
        if (prefix ? k.startsWith(prefix) : k === 'write' || k === 'read')
          totals.set(k, (totals.get(k) ?? 0) + v);
    const ranked = [...totals.keys()].sort(
      (a, b) => totals.get(b)! - totals.get(a)! || a.localeCompare(b, 'en', { numeric: true }),
    );
    const shown = ranked.slice(0, MAX_LABELS);
    const other = ranked.slice(MAX_LABELS);
    const labels = other.length ? [...shown, 'other'] : shown;
    const data: uPlot.AlignedData = [
      xs(withBd),
      ...shown.map((k) => withBd.map((f) => f.meta.bd![k] ?? 0)),
      ...(other.length ? [withBd.map((f) => other.reduce((s, k) => s + (f.meta.bd![k] ?? 0), 0))] : []),
    ];
    this.ensure(
      () => ({
        width: this.width(),
        height: 150,
        series: [
          { label: 's' },
          ...labels.map((l, i) => ({
            label: l,
            stroke: COLORS[i % COLORS.length],
            value: (_u: uPlot, v: number | null) => (v == null ? '-' : fmtSz(v, false)),
          })),
        ],
        axes: [timeAxis, bytesAxis],
      }),
      data,
      `${this.kind}:${labels.join(',')}`,
    );
  }
}
