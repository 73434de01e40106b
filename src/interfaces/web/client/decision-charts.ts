/**
 * The per-stream views of two of the decisions (docs/use-cases.md): the dirty rate per 1 s window
 * against a migration link (live-migration candidates) and the remote-access fraction over time
 * (NUMA placement). Computed by the reports' own code on the frames the page holds.
 */
import uPlot from 'uplot';
import { fmtSz } from '../../../records/pyformat.js';
import { fmtBandwidth, formatForecast } from '../../../reports/dirty-format.js';
import { DIRTY_DEFAULTS, dirtyReportOf } from '../../../reports/dirty.js';
import type { Frame } from '../shared/frame.js';
import { writeSeriesOfFrames } from '../shared/frame-records.js';
import type { StreamInfo } from '../shared/protocol.js';
import { axisStyle, Chart, COLORS, timeAxis, xs } from './charts.js';

/** Link speeds offered, Gbit/s. */
const LINKS_GBIT = [1, 10, 25, 100];

const rateAxis = {
  ...axisStyle,
  size: 112,
  values: (_u: uPlot, vals: number[]) => vals.map((v) => (v == null ? '' : `${fmtSz(v, false)}/s`)),
};

export class DirtyChart extends Chart {
  private bandwidth = DIRTY_DEFAULTS.bandwidth;
  private last: readonly Frame[] | null = null;
  private readonly summary: HTMLDivElement;

  constructor(
    parent: HTMLElement,
    side: string,
    private readonly info: StreamInfo,
  ) {
    super(parent, 'Dirty rate per 1 s window (live-migration candidates)');
    const sel = document.createElement('select');
    sel.id = `link-${side}`;
    for (const g of LINKS_GBIT) sel.append(new Option(`link ${g} Gbit/s`, String((g * 1e9) / 8)));
    sel.value = String(this.bandwidth);
    sel.addEventListener('change', () => {
      this.bandwidth = Number(sel.value);
      if (this.last) this.update(this.last);
    });
    this.summary = document.createElement('div');
    this.summary.className = 'hint';
    this.summary.id = `dirty-${side}`;
    this.el.before(sel, this.summary);
  }

  update(frames: readonly Frame[]): void {
    this.last = frames;
    const series = writeSeriesOfFrames(this.info, frames);
    const o = { ...DIRTY_DEFAULTS, bandwidth: this.bandwidth };
    const r = dirtyReportOf(series, o);
    this.summary.textContent = r.windows.length
      ? `dirty rate ${fmtSz(Math.round(r.dirty_rate), false)}/s over ${r.windows.length} windows; ${formatForecast(r.forecast, false)}`
      : 'dirty rate: waiting for a complete 1 s window';
    const bw = this.bandwidth;
    const first = (series.snapshots[0]?.startUs ?? 0) / 1e6;
    const last = (series.snapshots.at(-1)?.endUs ?? 0) / 1e6;
    this.ensure(
      () => ({
        width: this.width(),
        height: 150,
        series: [
          { label: 's' },
          {
            label: 'dirty rate',
            stroke: COLORS[1],
            points: { show: true },
            value: (_u, v) => (v == null ? '-' : `${fmtSz(v, false)}/s`),
          },
          { label: fmtBandwidth(bw), stroke: '#cfd8e3', dash: [6, 4] },
        ],
        axes: [timeAxis, rateAxis],
      }),
      // The link line spans the frames' time, not only the complete windows.
      [
        [first, ...r.windows.map((w) => (w.startUs + w.endUs) / 2e6), last],
        [null, ...r.windows.map((w) => w.rate), null],
        [bw, ...r.windows.map(() => bw), bw],
      ],
      `dirty:${bw}`,
    );
  }
}

export class RemoteChart extends Chart {
  private readonly summary: HTMLDivElement;

  constructor(parent: HTMLElement, side: string) {
    super(parent, 'Remote-access fraction (NUMA placement)');
    this.summary = document.createElement('div');
    this.summary.className = 'hint';
    this.summary.id = `remote-${side}`;
    this.el.before(this.summary);
  }

  update(frames: readonly Frame[]): void {
    const withRm = frames.filter((f) => f.meta.rm && f.meta.rm[1] > 0);
    let remote = 0;
    let known = 0;
    for (const f of withRm) {
      remote += f.meta.rm![0];
      known += f.meta.rm![1];
    }
    const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
    const first = withRm[0]?.meta.rm;
    const last = withRm.at(-1)?.meta.rm;
    this.summary.textContent =
      known > 0
        ? `remote ${pct(remote / known)} of the accesses; first snapshot ${pct(first![0] / first![1])}, last ${pct(last![0] / last![1])}`
        : 'no access with a known page node yet';
    this.ensure(
      () => ({
        width: this.width(),
        height: 150,
        series: [
          { label: 's' },
          {
            label: 'remote',
            stroke: COLORS[4],
            value: (_u, v) => (v == null ? '-' : pct(v)),
          },
        ],
        scales: { y: { range: [0, 1] } },
        axes: [
          timeAxis,
          {
            ...axisStyle,
            values: (_u: uPlot, vals: number[]) => vals.map((v) => `${Math.round(v * 100)} %`),
          },
        ],
      }),
      [xs(withRm), withRm.map((f) => f.meta.rm![0] / f.meta.rm![1])],
      'remote',
    );
  }
}
