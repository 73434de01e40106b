/** `damon-ts lru_sort` (damo's): control DAMON_LRU_SORT. */
import type { Command } from 'commander';
import { addPolicyModule, LRU_SORT } from '../shared/damon-module.js';

export function register(program: Command): void {
  addPolicyModule(program.command('lru_sort'), LRU_SORT);
}
