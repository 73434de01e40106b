/** Options many commands share, declared once: the record to read, JSON output, the DAMON admin directory. */
import { Option } from 'commander';
import { DEFAULT_DAMON_ADMIN } from '../../../backends/kernel/sysfs.js';

/** `-i, --input <file>`: the record a command reads (damon.data unless `dflt` says otherwise; null: none). */
export function inputOption(description = 'record file', dflt: string | null = 'damon.data'): Option {
  const o = new Option('-i, --input <file>', description);
  return dflt === null ? o : o.default(dflt);
}

/** `--json`: print the result as JSON instead of text. */
export function jsonOption(description = 'print the result as JSON'): Option {
  return new Option('--json', description);
}

/** `--damon_admin <dir>`: where the kernel's DAMON sysfs tree is. */
export function damonAdminOption(): Option {
  return new Option('--damon_admin <dir>', 'DAMON sysfs admin directory').default(DEFAULT_DAMON_ADMIN);
}
