/** Lost-event accounting from per_cpu/cpuN/stats of a trace instance. */
import { readTraceFile } from './settings.js';

export interface CpuTraceStats {
  entries: number;
  /** Events overwritten before they were read (overwrite mode). */
  overrun: number;
  commitOverrun: number;
  /** Events the writer could not store (non-overwrite mode, buffer full). */
  droppedEvents: number;
  readEvents: number;
}

export function parseCpuStats(text: string, where: string): CpuTraceStats {
  const get = (key: string): number => {
    const m = new RegExp(`^${key}:\\s*(\\d+)`, 'm').exec(text);
    if (!m) throw new Error(`${where}: no '${key}:' line`);
    return Number(m[1]);
  };
  return {
    entries: get('entries'),
    overrun: get('overrun'),
    commitOverrun: get('commit overrun'),
    droppedEvents: get('dropped events'),
    readEvents: get('read events'),
  };
}

export function readCpuStats(path: string): CpuTraceStats {
  return parseCpuStats(readTraceFile(path), path);
}
