/**
 * The sharing matrix of a record made with one context per thread or CPU (`record --slices`): the
 * bytes two slices accessed in the same window, median over the newest windows, with the
 * co-scheduling groups; `report sharing`'s own code on the frames the page holds. A table, so the
 * numbers are text (selectable, readable by a screen reader), coloured on the heat scale.
 */
import { fmtSz } from '../../../records/pyformat.js';
import { heatColor } from '../../../reports/colors.js';
import { computeSharing, SHARING_DEFAULTS } from '../../../reports/sharing.js';
import type { Frame } from '../shared/frame.js';
import { recordOfFrames } from '../shared/frame-records.js';
import type { StreamInfo } from '../shared/protocol.js';

/** Windows the matrix covers: the newest ones (a long live run stays cheap to recompute). */
export const SHARING_WINDOWS = 300;

const SLICE = /, (thread|cpu) \d+$/;

export function isSliceStream(info: StreamInfo): boolean {
  return SLICE.test(info.dataSource);
}

export class SharingView {
  readonly el: HTMLDivElement;
  private readonly note: HTMLDivElement;
  private readonly table: HTMLTableElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'panel';
    this.el.id = 'sharing';
    this.el.style.display = 'none';
    const h = document.createElement('h2');
    h.textContent = 'Sharing matrix (which threads or CPUs to schedule together)';
    this.note = document.createElement('div');
    this.note.className = 'hint';
    this.table = document.createElement('table');
    this.table.className = 'sharing';
    this.el.append(h, this.note, this.table);
    parent.append(this.el);
  }

  update(streams: readonly { info: StreamInfo; frames: readonly Frame[] }[]): void {
    const slices = streams.filter((s) => isSliceStream(s.info));
    this.el.style.display = slices.length >= 2 ? '' : 'none';
    if (slices.length < 2) return;
    let r;
    try {
      r = computeSharing(
        slices.map((s) => recordOfFrames(s.info, s.frames.slice(-SHARING_WINDOWS))),
        SHARING_DEFAULTS,
      );
    } catch (e) {
      this.note.textContent = (e as Error).message;
      return;
    }
    const groups = r.groups.map((g) => `${g.slices.join(' + ')} (${fmtSz(g.sharedBytes, false)})`);
    this.note.textContent =
      `bytes both ${r.by}s accessed in the same window, median over ${r.timesNs.length} windows; diagonal: working set. ` +
      `Co-scheduling groups: ${groups.join(', ') || 'none'}`;
    const max = Math.max(1, ...r.shared.flat());
    this.table.textContent = '';
    const head = this.table.insertRow();
    head.append(document.createElement('th'));
    for (const id of r.slices) {
      const th = document.createElement('th');
      th.textContent = String(id);
      head.append(th);
    }
    r.slices.forEach((id, i) => {
      const tr = this.table.insertRow();
      const th = document.createElement('th');
      th.textContent = `${r.by} ${id}`;
      tr.append(th);
      r.shared[i]!.forEach((v) => {
        const td = document.createElement('td');
        const f = v / max;
        const [cr, cg, cb] = heatColor(f);
        td.style.background = `rgb(${cr},${cg},${cb})`;
        td.style.color = f > 0.6 ? 'black' : 'white';
        td.textContent = fmtSz(Math.round(v), false);
        tr.append(td);
      });
    });
  }
}
