/**
 * `damon-ts module <name>` (damo's): control a DAMON module: reclaim and lru_sort as their own
 * commands do, stat (DAMON_STAT) by reading and writing its parameters.
 */
import type { Command } from 'commander';
import { addGeneralModule, addPolicyModule, LRU_SORT, RECLAIM } from '../shared/damon-module.js';

export function register(program: Command): void {
  const module = program.command('module').description('control DAMON kernel modules');
  addPolicyModule(module.command('reclaim'), RECLAIM);
  addPolicyModule(module.command('lru_sort'), LRU_SORT);
  addGeneralModule(module.command('stat'), 'stat');
}
