/** `damon-ts reclaim` (damo's): control DAMON_RECLAIM. */
import type { Command } from 'commander';
import { addPolicyModule, RECLAIM } from '../shared/damon-module.js';

export function register(program: Command): void {
  addPolicyModule(program.command('reclaim'), RECLAIM);
}
