/**
 * Setup names for the command line: `[paddr:]KIND` with KIND one of page_table, page_fault,
 * page_fault:rfc (faults on earlier samples' protections reported too, as the RFC code does),
 * write_only:none (page_fault, write filter, PAGE_NONE), write_only:write (write-protect),
 * cpus:LIST (page_fault with an "allow cpumask LIST" filter), tids:LIST (threads filter).
 */
import { parseIdList } from '../config/damo-options.js';
import type { EvalSetup } from './eval.js';

export function parseSetup(text: string, option = '--setups'): EvalSetup {
  const paddr = text.startsWith('paddr:');
  const kind = paddr ? text.slice(6) : text;
  const ops = paddr ? ({ ops: 'paddr' } as const) : {};
  const [what, arg] = kind.split(':', 2) as [string, string | undefined];
  switch (what) {
    case 'page_table':
    case 'page_fault':
      if (what === 'page_fault' && arg === 'rfc')
        return { name: text, primitive: what, staleFaults: 'keep', ...ops };
      if (arg !== undefined) break;
      return { name: text, primitive: what, ...ops };
    case 'write_only':
      if (arg !== 'none' && arg !== 'write') break;
      return {
        name: text,
        primitive: 'page_fault',
        protection: arg,
        filters: [{ type: 'write', matching: true, allow: true }],
        ...ops,
      };
    case 'cpus':
      if (!arg) break;
      return {
        name: text,
        primitive: 'page_fault',
        filters: [{ type: 'cpumask', matching: true, allow: true, cpus: parseIdList(option, arg) }],
        ...ops,
      };
    case 'tids':
      if (!arg) break;
      return {
        name: text,
        primitive: 'page_fault',
        filters: [{ type: 'threads', matching: true, allow: true, tids: parseIdList(option, arg) }],
        ...ops,
      };
  }
  throw new Error(
    `${option}: unknown setup "${text}" (expected [paddr:]page_table, page_fault, page_fault:rfc, write_only:none, write_only:write, cpus:LIST or tids:LIST)`,
  );
}
