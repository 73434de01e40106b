/**
 * The heatmap: time (x) × address (y, low addresses at the bottom) on a <canvas>, drawn into an
 * ImageData. Each pixel is the time- and size-weighted mean access frequency (nr_accesses / max) of
 * the regions that cover it, the way damo's heatmap weighs a region by the time and address span it
 * shares with a pixel; colours are scaled to the view's hottest pixel. Wheel zooms time, shift+wheel
 * zooms addresses, drag pans, double-click resets (and follows new snapshots again); hovering shows
 * the region under the pointer.
 */
import { fmtSz } from '../../../records/pyformat.js';
import {
  F_AGE,
  F_END,
  F_NR,
  F_START,
  F_WRITES,
  REGION_FIELDS,
  regionAt,
  type Frame,
} from '../shared/frame.js';
import type { AddressAxis } from './address-axis.js';

/** Colour map from dark blue through red to yellow (256 entries, RGB). */
const PALETTE = (() => {
  const stops: [number, number, number, number][] = [
    [0, 20, 24, 60],
    [0.25, 70, 30, 140],
    [0.5, 190, 40, 90],
    [0.75, 245, 120, 30],
    [1, 252, 240, 80],
  ];
  const p = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = i / 255;
    let k = 0;
    while (k + 1 < stops.length - 1 && stops[k + 1]![0] < x) k++;
    const [x0, r0, g0, b0] = stops[k]!;
    const [x1, r1, g1, b1] = stops[k + 1]!;
    const f = (x - x0) / (x1 - x0);
    p[i * 3] = r0 + (r1 - r0) * f;
    p[i * 3 + 1] = g0 + (g1 - g0) * f;
    p[i * 3 + 2] = b0 + (b1 - b0) * f;
  }
  return p;
})();

export function hex(a: number): string {
  return '0x' + Math.trunc(a).toString(16);
}

export function secs(ns: number): string {
  return `${(ns / 1e9).toFixed(ns < 1e10 ? 3 : 1)} s`;
}

/** First frame whose end is after t (frames are in time order). */
export function firstFrameAfter(frames: readonly Frame[], t: number): number {
  let lo = 0;
  let hi = frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (frames[mid]!.meta.t1 <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class HeatmapView {
  readonly canvas: HTMLCanvasElement;
  readonly tooltip: HTMLDivElement;
  readonly caption: HTMLDivElement;
  private frames: readonly Frame[] = [];
  private axis: AddressAxis | null = null;
  /** View window: time ns [t0, t1), axis position [p0, p1); null = everything (follow). */
  private view: { t0: number; t1: number; p0: number; p1: number } | null = null;
  private drag: { x: number; y: number; view: { t0: number; t1: number; p0: number; p1: number } } | null =
    null;
  /** Pixels drawn with data in the last draw (tests read the canvas instead; this is for the caption). */
  drawnPixels = 0;

  constructor(parent: HTMLElement, id: string) {
    const wrap = document.createElement('div');
    wrap.className = 'heatmap-wrap';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'heatmap';
    this.canvas.id = `heatmap-${id}`;
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'tooltip';
    this.tooltip.id = `tooltip-${id}`;
    this.caption = document.createElement('div');
    this.caption.className = 'axis';
    const hint = document.createElement('div');
    hint.className = 'hint';
    hint.textContent = 'wheel: zoom time · shift+wheel: zoom addresses · drag: pan · double-click: reset';
    wrap.append(this.canvas, this.tooltip);
    parent.append(wrap, this.caption, hint);
    this.bindEvents();
  }

  setData(frames: readonly Frame[], axis: AddressAxis): void {
    this.frames = frames;
    this.axis = axis;
  }

  private fullView(): { t0: number; t1: number; p0: number; p1: number } {
    const f = this.frames;
    return {
      t0: f[0]?.meta.t0 ?? 0,
      t1: f.at(-1)?.meta.t1 ?? 1,
      p0: 0,
      p1: Math.max(1, this.axis?.total ?? 1),
    };
  }

  private current(): { t0: number; t1: number; p0: number; p1: number } {
    return this.view ?? this.fullView();
  }

  draw(): void {
    const c = this.canvas;
    const W = Math.max(1, Math.floor(c.clientWidth));
    const H = Math.max(1, Math.floor(c.clientHeight));
    if (c.width !== W || c.height !== H) {
      c.width = W;
      c.height = H;
    }
    const g = c.getContext('2d');
    if (!g || !this.axis) return;
    const v = this.current();
    const heat = new Float32Array(W * H);
    const wt = new Float32Array(W * H);
    const tSpan = v.t1 - v.t0 || 1;
    const pSpan = v.p1 - v.p0 || 1;
    const axis = this.axis;
    for (let fi = firstFrameAfter(this.frames, v.t0); fi < this.frames.length; fi++) {
      const f = this.frames[fi]!;
      if (f.meta.t0 >= v.t1) break;
      const x0 = Math.max(0, ((f.meta.t0 - v.t0) / tSpan) * W);
      const x1 = Math.min(W, ((f.meta.t1 - v.t0) / tSpan) * W);
      if (x1 <= x0) continue;
      const r = f.regions;
      const maxNr = f.meta.maxNr || 1;
      for (let o = 0; o < r.length; o += REGION_FIELDS) {
        // y grows downwards on the canvas: low addresses at the bottom.
        const y0 = Math.max(0, H - ((axis.position(r[o + F_END]!) - v.p0) / pSpan) * H);
        const y1 = Math.min(H, H - ((axis.position(r[o + F_START]!) - v.p0) / pSpan) * H);
        if (y1 <= y0) continue;
        const ratio = r[o + F_NR]! / maxNr;
        for (let y = Math.floor(y0); y < y1; y++) {
          const aw = Math.min(y1, y + 1) - Math.max(y0, y);
          const row = y * W;
          for (let x = Math.floor(x0); x < x1; x++) {
            const w = (Math.min(x1, x + 1) - Math.max(x0, x)) * aw;
            heat[row + x]! += ratio * w;
            wt[row + x]! += w;
          }
        }
      }
    }
    let hi = 0;
    for (let i = 0; i < heat.length; i++) if (wt[i]! > 0) hi = Math.max(hi, heat[i]! / wt[i]!);
    const img = g.createImageData(W, H);
    const px = img.data;
    let drawn = 0;
    for (let i = 0; i < heat.length; i++) {
      const o = i * 4;
      if (wt[i]! > 0) {
        const k = hi > 0 ? Math.min(255, Math.floor((heat[i]! / wt[i]! / hi) * 255)) * 3 : 0;
        px[o] = PALETTE[k]!;
        px[o + 1] = PALETTE[k + 1]!;
        px[o + 2] = PALETTE[k + 2]!;
        drawn++;
      } else {
        px[o] = 12;
        px[o + 1] = 13;
        px[o + 2] = 16;
      }
      px[o + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    // Where one monitored address range ends and the next begins (the gap between them is not drawn).
    g.strokeStyle = 'rgba(230,230,230,.55)';
    g.setLineDash([4, 4]);
    for (let k = 1; k < axis.offsets.length; k++) {
      const y = Math.round(H - ((axis.offsets[k]! - v.p0) / pSpan) * H) + 0.5;
      if (y <= 0 || y >= H) continue;
      g.beginPath();
      g.moveTo(0, y);
      g.lineTo(W, y);
      g.stroke();
    }
    g.setLineDash([]);
    this.drawnPixels = drawn;
    const a0 = axis.address(v.p0);
    const a1 = axis.address(v.p1);
    this.caption.textContent = '';
    const left = document.createElement('span');
    left.textContent = `time ${secs(v.t0)} – ${secs(v.t1)}`;
    const right = document.createElement('span');
    right.textContent = `address ${hex(a0)} – ${hex(a1)} (${axis.starts.length} range${axis.starts.length === 1 ? '' : 's'}) · max ${(hi * 100).toFixed(0)}%`;
    this.caption.append(left, right);
  }

  /** Frame and region under canvas point (x, y), for the tooltip. */
  private pick(x: number, y: number): { f: Frame; i: number; addr: number; t: number } | null {
    if (!this.axis) return null;
    const v = this.current();
    const t = v.t0 + (x / this.canvas.clientWidth) * (v.t1 - v.t0);
    const p = v.p0 + (1 - y / this.canvas.clientHeight) * (v.p1 - v.p0);
    const addr = this.axis.address(p);
    const fi = firstFrameAfter(this.frames, t);
    const f = this.frames[fi];
    if (!f || f.meta.t0 > t) return null;
    const i = regionAt(f.regions, addr);
    return i < 0 ? null : { f, i, addr, t };
  }

  private showTooltip(ev: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const x = ev.clientX - rect.left;
    const y = ev.clientY - rect.top;
    const hit = this.pick(x, y);
    if (!hit) {
      this.tooltip.style.display = 'none';
      return;
    }
    const { f, i } = hit;
    const o = i * REGION_FIELDS;
    const r = f.regions;
    const nr = r[o + F_NR]!;
    const age = r[o + F_AGE]!;
    const wr = r[o + F_WRITES]!;
    const lines = [
      `region   [${hex(r[o + F_START]!)}, ${hex(r[o + F_END]!)})  ${fmtSz(r[o + F_END]! - r[o + F_START]!, false)}`,
      `nr_accesses ${Number.isInteger(nr) ? nr : nr.toFixed(2)} / ${f.meta.maxNr} (${((nr / (f.meta.maxNr || 1)) * 100).toFixed(0)}%)`,
      `age      ${Number.isInteger(age) ? age : age.toFixed(1)} aggr intervals (${((age * f.meta.ai) / 1e6).toFixed(2)} s)`,
    ];
    if (wr >= 0) lines.push(`writes   ${Number.isInteger(wr) ? wr : wr.toFixed(2)} samples`);
    lines.push(
      `snapshot ${secs(f.meta.t0)} – ${secs(f.meta.t1)}${f.meta.m > 1 ? ` (${f.meta.m} merged)` : ''}`,
    );
    this.tooltip.textContent = lines.join('\n');
    this.tooltip.style.display = 'block';
    this.tooltip.style.left = `${Math.min(x + 12, this.canvas.clientWidth - 300)}px`;
    this.tooltip.style.top = `${y + 12}px`;
  }

  private bindEvents(): void {
    const c = this.canvas;
    c.addEventListener('mousemove', (ev) => {
      if (this.drag) {
        const d = this.drag;
        const dt = ((ev.clientX - d.x) / c.clientWidth) * (d.view.t1 - d.view.t0);
        const dp = ((ev.clientY - d.y) / c.clientHeight) * (d.view.p1 - d.view.p0);
        this.view = { t0: d.view.t0 - dt, t1: d.view.t1 - dt, p0: d.view.p0 + dp, p1: d.view.p1 + dp };
        this.draw();
      }
      this.showTooltip(ev);
    });
    c.addEventListener('mouseleave', () => {
      this.tooltip.style.display = 'none';
      this.drag = null;
    });
    c.addEventListener('mousedown', (ev) => {
      this.drag = { x: ev.clientX, y: ev.clientY, view: { ...this.current() } };
    });
    c.addEventListener('mouseup', () => (this.drag = null));
    c.addEventListener('dblclick', () => {
      this.view = null;
      this.draw();
    });
    c.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        const v = { ...this.current() };
        const rect = c.getBoundingClientRect();
        const k = ev.deltaY > 0 ? 1.25 : 0.8;
        if (ev.shiftKey) {
          const fy = 1 - (ev.clientY - rect.top) / c.clientHeight;
          const at = v.p0 + fy * (v.p1 - v.p0);
          v.p0 = at - (at - v.p0) * k;
          v.p1 = at + (v.p1 - at) * k;
        } else {
          const fx = (ev.clientX - rect.left) / c.clientWidth;
          const at = v.t0 + fx * (v.t1 - v.t0);
          v.t0 = at - (at - v.t0) * k;
          v.t1 = at + (v.t1 - at) * k;
        }
        this.view = v;
        this.draw();
      },
      { passive: false },
    );
  }
}
