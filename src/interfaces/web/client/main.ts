/**
 * The dashboard client: connects to /stream, keeps each stream's frames in a bounded FrameStore
 * (older half merged pairwise when full: docs/dashboard.md), and shows one or two streams side by
 * side, each with its heatmap, time series, breakdown, dirty rate, remote-access fraction and DAMOS
 * stats, and below them the sharing matrix of per-thread or per-CPU contexts. Redraws are coalesced to one
 * per animation frame (charts at most every CHART_MS).
 */
import { fmtSz } from '../../../records/pyformat.js';
import {
  decodeFrames,
  FrameStore,
  STORE_MAX_FRAMES,
  STORE_MAX_REGIONS,
  type Frame,
} from '../shared/frame.js';
import type { ServerMessage, StreamInfo } from '../shared/protocol.js';
import { AddressAxis } from './address-axis.js';
import { BreakdownChart, RegionsChart, WssChart } from './charts.js';
import { DirtyChart, RemoteChart } from './decision-charts.js';
import { hasWrites } from '../shared/frame-records.js';
import { SharingView } from './sharing-view.js';
import { HeatmapView } from './heatmap-view.js';

const CHART_MS = 250;

interface ClientStream {
  info: StreamInfo;
  store: FrameStore;
  axis: AddressAxis;
  received: number;
}

const streams = new Map<number, ClientStream>();
let mode: 'record' | 'live' = 'record';
let ended = false;
let synced = false;
let connected = false;

const app = document.getElementById('app')!;
app.textContent = '';
const header = document.createElement('header');
const h1 = document.createElement('h1');
h1.textContent = 'damon-ts dashboard';
const status = document.createElement('span');
status.className = 'status';
status.id = 'status';
const selLeft = document.createElement('select');
selLeft.id = 'select-left';
const selRight = document.createElement('select');
selRight.id = 'select-right';
const vs = document.createElement('span');
vs.textContent = 'compare with';
header.append(h1, status, selLeft, vs, selRight);
const panelsEl = document.createElement('div');
panelsEl.id = 'panels';
app.append(header, panelsEl);

class Panel {
  readonly el: HTMLDivElement;
  readonly title: HTMLHeadingElement;
  readonly heatmap: HeatmapView;
  readonly wss: WssChart;
  readonly regions: RegionsChart;
  private breakdown: BreakdownChart | null = null;
  private dirty: DirtyChart | null = null;
  private remote: RemoteChart | null = null;
  private damos: HTMLTableElement | null = null;
  private readonly extras: HTMLDivElement;
  stream: ClientStream | null = null;

  constructor(readonly side: 'left' | 'right') {
    this.el = document.createElement('div');
    this.el.className = 'panel';
    this.el.id = `panel-${side}`;
    this.title = document.createElement('h2');
    this.el.append(this.title);
    this.heatmap = new HeatmapView(this.el, side);
    this.wss = new WssChart(this.el);
    this.regions = new RegionsChart(this.el);
    this.extras = document.createElement('div');
    this.el.append(this.extras);
  }

  show(s: ClientStream | null): void {
    if (s !== this.stream) {
      this.stream = s;
      this.breakdown = null;
      this.dirty = null;
      this.remote = null;
      this.damos = null;
      this.extras.textContent = '';
    }
    this.el.style.display = s ? '' : 'none';
  }

  drawHeatmap(): void {
    const s = this.stream;
    if (!s) return;
    this.title.textContent = `${s.info.label} · ${s.received} snapshots${s.store.frames.length < s.received ? ` (${s.store.frames.length} kept)` : ''}`;
    this.heatmap.setData(s.store.frames, s.axis);
    this.heatmap.draw();
  }

  drawCharts(): void {
    const s = this.stream;
    if (!s) return;
    const frames = s.store.frames;
    this.wss.update(frames);
    this.regions.update(frames);
    if (frames.some((f) => f.meta.bd)) {
      this.breakdown ??= new BreakdownChart(this.extras);
      this.breakdown.update(frames);
    }
    if (frames.some(hasWrites)) {
      this.dirty ??= new DirtyChart(this.extras, this.side, s.info);
      this.dirty.update(frames);
    }
    if (frames.some((f) => f.meta.rm)) {
      this.remote ??= new RemoteChart(this.extras, this.side);
      this.remote.update(frames);
    }
    const ds = frames.at(-1)?.meta.ds;
    if (ds?.length) {
      if (!this.damos) {
        const h = document.createElement('h3');
        h.textContent = 'DAMOS stats per scheme';
        this.damos = document.createElement('table');
        this.damos.className = 'damos';
        this.damos.id = `damos-${this.side}`;
        this.extras.append(h, this.damos);
      }
      const rows = [
        ['scheme', 'action', 'tried', 'tried bytes', 'applied', 'applied bytes', 'quota exceeds'],
      ];
      ds.forEach((r, i) =>
        rows.push([
          String(i),
          r.action,
          String(r.nrTried),
          fmtSz(r.szTried, false),
          String(r.nrApplied),
          fmtSz(r.szApplied, false),
          String(r.qtExceeds),
        ]),
      );
      this.damos.textContent = '';
      rows.forEach((cells, ri) => {
        const tr = this.damos!.insertRow();
        for (const c of cells) {
          const cell = document.createElement(ri === 0 ? 'th' : 'td');
          cell.textContent = c;
          tr.append(cell);
        }
      });
    }
  }
}

const left = new Panel('left');
const right = new Panel('right');
panelsEl.append(left.el, right.el);
const sharing = new SharingView(app);

function fillSelects(): void {
  for (const [sel, none] of [
    [selLeft, false],
    [selRight, true],
  ] as const) {
    const keep = sel.value;
    sel.textContent = '';
    if (none) sel.append(new Option('(none)', ''));
    for (const s of streams.values()) sel.append(new Option(s.info.label, String(s.info.id)));
    if (keep && Array.from(sel.options).some((o) => o.value === keep)) sel.value = keep;
  }
  const ids = [...streams.keys()];
  if (!selLeft.value && ids.length) selLeft.value = String(ids[0]);
  // Two contexts (e.g. page_table vs page_fault) are compared side by side by default.
  if (!selRight.dataset.touched && ids.length > 1 && !selRight.value) selRight.value = String(ids[1]);
  applySelection();
}

function applySelection(): void {
  left.show(streams.get(Number(selLeft.value)) ?? null);
  right.show(selRight.value === '' ? null : (streams.get(Number(selRight.value)) ?? null));
  dirtyHeat = dirtyCharts = true;
  schedule();
}
selLeft.addEventListener('change', applySelection);
selRight.addEventListener('change', () => {
  selRight.dataset.touched = '1';
  applySelection();
});

function updateStatus(): void {
  let n = 0;
  for (const s of streams.values()) n += s.received;
  const state = !connected
    ? ended
      ? 'disconnected'
      : 'reconnecting…'
    : mode === 'live'
      ? ended
        ? 'live run finished'
        : synced
          ? 'live'
          : 'loading…'
      : synced
        ? 'record'
        : 'loading…';
  status.textContent = `${state} · ${streams.size} stream${streams.size === 1 ? '' : 's'} · ${n} snapshots`;
  status.dataset.snapshots = String(n);
  status.dataset.state = state;
}

let dirtyHeat = false;
let dirtyCharts = false;
let scheduled = false;
let lastCharts = 0;
let lastHeat = 0;
const LOADING_DRAW_MS = 500;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    updateStatus();
    const now = performance.now();
    // While the history loads, the heatmap is redrawn at most every LOADING_DRAW_MS: each draw
    // walks every frame received so far.
    if (dirtyHeat && !synced && now - lastHeat < LOADING_DRAW_MS) setTimeout(schedule, LOADING_DRAW_MS);
    else if (dirtyHeat) {
      dirtyHeat = false;
      lastHeat = now;
      left.drawHeatmap();
      right.drawHeatmap();
      // Paint count and times since navigation (first paint with data, first with the whole
      // history): tests and bench/web-paint read them.
      const b = document.body.dataset;
      b.painted = String(Number(b.painted ?? 0) + 1);
      if (left.heatmap.drawnPixels > 0) b.firstPaintMs ??= String(Math.round(performance.now()));
      if (synced) b.syncedPaintMs ??= String(Math.round(performance.now()));
    }
    if (dirtyCharts && now - lastCharts >= CHART_MS) {
      dirtyCharts = false;
      lastCharts = now;
      left.drawCharts();
      right.drawCharts();
      sharing.update([...streams.values()].map((s) => ({ info: s.info, frames: s.store.frames })));
    } else if (dirtyCharts) setTimeout(schedule, CHART_MS);
  });
}

function addStream(info: StreamInfo): void {
  if (streams.has(info.id)) {
    streams.get(info.id)!.info = info;
    return;
  }
  streams.set(info.id, {
    info,
    store: new FrameStore(STORE_MAX_FRAMES, STORE_MAX_REGIONS),
    axis: new AddressAxis(),
    received: 0,
  });
  fillSelects();
}

function addFrames(frames: Frame[]): void {
  for (const f of frames) {
    const s = streams.get(f.meta.s);
    if (!s) continue;
    s.axis.addRegions(f.regions);
    s.store.push(f);
    s.received += f.meta.m;
  }
  dirtyHeat = dirtyCharts = true;
  schedule();
}

function connect(): void {
  const token = new URLSearchParams(location.search).get('token');
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/stream${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => {
    connected = true;
    // A reconnect resends the whole history: start over.
    streams.clear();
    synced = false;
    updateStatus();
  };
  ws.onmessage = (ev: MessageEvent<string | ArrayBuffer>) => {
    if (typeof ev.data !== 'string') return addFrames(decodeFrames(ev.data));
    const m = JSON.parse(ev.data) as ServerMessage;
    if (m.type === 'hello') {
      mode = m.mode;
      ended = m.ended;
      document.title = `damon-ts: ${m.title}`;
      m.streams.forEach(addStream);
    } else if (m.type === 'stream') addStream(m.info);
    else if (m.type === 'synced') {
      synced = true;
      dirtyHeat = true;
      schedule();
    } else if (m.type === 'end') ended = true;
    updateStatus();
  };
  ws.onclose = () => {
    connected = false;
    updateStatus();
    if (!(ended && mode === 'record')) setTimeout(connect, 1000);
  };
}

window.addEventListener('resize', () => {
  dirtyHeat = dirtyCharts = true;
  schedule();
});
updateStatus();
connect();
