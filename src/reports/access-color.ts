/**
 * damo's coloured digits for `report access` (snapshot heatmap line, region boxes, colour samples): each
 * coloured text is closed by a reset. With colour off (a null colorset) the text is left bare.
 */
import { COLORSETS, type Colorset } from './heatmap.js';

export const MAX_COLOR_LEVEL = 9;

function start(cs: Colorset, level: number): string {
  return `\x1b[48;5;${COLORSETS[cs].bg[level]}m\x1b[38;5;${COLORSETS[cs].fg[level]}m`;
}

export function colored(text: string, cs: Colorset | null, level: number): string {
  return cs === null ? text : `${start(cs, level)}${text}\x1b[0m`;
}

/** The ten levels of a colorset as coloured digits. */
export function colorSamples(cs: Colorset | null): string {
  if (cs === null) return '0123456789';
  let s = '';
  for (let l = 0; l <= MAX_COLOR_LEVEL; l++) s += `${start(cs, l)}${l}`;
  return s + '\x1b[0m';
}
