/**
 * The configuration as damo's JSON (`args damon --format json`): plain numbers in the kernel's
 * units, and "max" for 2^64-1 (a JS number cannot print it exactly). parseKdamondsConfig reads the
 * output back to an equal configuration.
 */
import type { KdamondsConfig } from './schema.js';
import { U64_MAX } from './units.js';

export function kdamondsToJson(config: KdamondsConfig): string {
  return JSON.stringify(config, (_key, v: unknown) => (typeof v === 'number' && v >= U64_MAX ? 'max' : v), 4);
}
