/**
 * The configuration as damo's JSON or YAML (`args damon --format json|yaml`): plain numbers in the
 * kernel's units, and "max" for 2^64-1 (a JS number cannot print it exactly). parseKdamondsConfig
 * reads either output back to an equal configuration.
 */
import { stringify as stringifyYaml } from 'yaml';
import type { KdamondsConfig } from './schema.js';
import { U64_MAX } from './units.js';

const u64AsMax = (_key: unknown, v: unknown) => (typeof v === 'number' && v >= U64_MAX ? 'max' : v);

export function kdamondsToJson(config: KdamondsConfig): string {
  return JSON.stringify(config, u64AsMax, 4);
}

export function kdamondsToYaml(config: KdamondsConfig): string {
  return stringifyYaml(config, u64AsMax);
}
