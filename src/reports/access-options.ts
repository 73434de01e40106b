/** The options of the access report (damo's ReportFormat): sorting, histograms, templates, boxes, widths. */
import type { Colorset } from './heatmap.js';

export const SORT_KEYS = ['address', 'access_rate', 'age', 'size', 'temperature'] as const;

export type SortKey = (typeof SORT_KEYS)[number];

export const BOX_VALUES = ['size', 'access_rate', 'age', 'none'] as const;

export type BoxValueName = (typeof BOX_VALUES)[number];

/** damo's ReportFormat: what the templates are and how their keywords render. */
export interface AccessFormat {
  sortRegionsBy: SortKey[];
  sortRegionsDsc: (SortKey | 'all')[] | null;
  temperatureWeights: [number, number, number];
  histLogscale: boolean;
  histCumulate: boolean;
  histRanges: string[] | null;
  percentilesRange: number[] | null;
  recordHead: string | null;
  recordTail: string | null;
  snapshotHead: string | null;
  snapshotTail: string | null;
  region: string | null;
  heatmapWidth: number;
  heatmapColorset: Colorset;
  heatmapStatic: boolean;
  boxValues: [BoxValueName, BoxValueName, BoxValueName];
  boxMinMaxLength: [number, number];
  boxMinMaxHeight: [number, number];
  boxColorset: Colorset;
  boxScales: ['linear' | 'log', 'linear' | 'log', 'linear' | 'log'];
  boxAlign: 'left' | 'right';
  /** [keyword, minimum width]; the first entry naming a keyword wins, as in damo. */
  minCharsFor: [string, number][];
  rawNumber: boolean;
  /** Colour escapes in heatmaps and boxes; damo always writes them, damon-ts only where colour is on. */
  color: boolean;
}

export const DEFAULT_MIN_CHARS: [string, number][] = [
  ['<index>', 3],
  ['<start address>', 12],
  ['<end address>', 11],
  ['<size>', 11],
  ['<access rate>', 5],
  ['<access hz>', 6],
  ['<age>', 13],
  ['<filters passed type>', 10],
];

export function defaultAccessFormat(): AccessFormat {
  return {
    sortRegionsBy: ['address'],
    sortRegionsDsc: null,
    temperatureWeights: [0, 100, 100],
    histLogscale: false,
    histCumulate: false,
    histRanges: null,
    percentilesRange: null,
    recordHead: null,
    recordTail: null,
    snapshotHead: null,
    snapshotTail: null,
    region: null,
    heatmapWidth: 80,
    heatmapColorset: 'gray',
    heatmapStatic: false,
    boxValues: ['age', 'access_rate', 'size'],
    boxMinMaxLength: [1, 30],
    boxMinMaxHeight: [1, 5],
    boxColorset: 'gray',
    boxScales: ['log', 'linear', 'log'],
    boxAlign: 'left',
    minCharsFor: DEFAULT_MIN_CHARS,
    rawNumber: false,
    color: true,
  };
}
