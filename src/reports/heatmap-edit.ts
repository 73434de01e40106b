/**
 * The zoom and scroll edits of `report heatmap --interactive_edit` (damo's): a view is the time range
 * and the address ranges drawn; zooming scales them around their middle, scrolling shifts them by a
 * share of their size. The keys h/j/k/l and +/- follow the drawing's axes: on the terminal, space
 * runs right and time down; in images, time runs right and space up.
 */
export interface HeatmapView {
  time: [number, number];
  addrs: [number, number][];
}

export type EditAction = 'zoom' | 'scroll';
export type EditTarget = 'time' | 'space' | 'both';

function scaled([start, end]: [number, number], ratio: number): [number, number] {
  const size = end - start;
  const half = (size * ratio) / 2;
  const mid = Math.trunc(start + size / 2);
  return [mid - half, mid + half];
}

function shifted([start, end]: [number, number], ratio: number): [number, number] {
  const diff = (end - start) * ratio;
  return [start + diff, end + diff];
}

export function editView(v: HeatmapView, action: EditAction, target: EditTarget, ratio: number): void {
  const f = action === 'zoom' ? scaled : shifted;
  if (target !== 'space') v.time = f(v.time, ratio);
  if (target !== 'time') v.addrs = v.addrs.map((r) => f(r, ratio));
}

/** Applies a one-key edit; false if `answer` is not one. */
export function shortcutEdit(v: HeatmapView, answer: string, onTerminal: boolean): boolean {
  const x: EditTarget = onTerminal ? 'space' : 'time';
  const y: EditTarget = onTerminal ? 'time' : 'space';
  const down = onTerminal ? -0.1 : 0.1;
  switch (answer) {
    case '+':
      editView(v, 'zoom', 'both', 0.9);
      return true;
    case '-':
      editView(v, 'zoom', 'both', 1.1);
      return true;
    case 'h':
      editView(v, 'scroll', x, 0.1);
      return true;
    case 'j':
      editView(v, 'scroll', y, down);
      return true;
    case 'k':
      editView(v, 'scroll', y, -down);
      return true;
    case 'l':
      editView(v, 'scroll', x, -0.1);
      return true;
    default:
      return false;
  }
}

export const INTERACTIVE_EDIT_HELP = [
  'Zoom or scroll using the prompt menu.',
  '',
  'Below inputs are supported.',
  '0,q,quit: Quit this mode.',
  '1,zoom: Continue prompts for zooming in/out the map.',
  '2,scroll: Continue prompts for scrolling the map.',
  '3,help: Print this help message.',
  'h: Scroll the map left, 10%.',
  'j: Scroll the map down, 10%.',
  'k: Scroll the map up, 10%.',
  'l: Scroll the map right, 10%.',
  '+: Zoom the map in, 10%.',
  '-: Zoom the map out, 10%.',
  '',
].join('\n');
