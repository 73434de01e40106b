/** Runs `[line, expected]` pairs against one fresh virtual tree and returns mismatches. */
import { runSysfsScript, virtualIo } from '../../src/interfaces/sysfs/script.js';
import { VirtualSysfs } from '../../src/interfaces/sysfs/tree.js';

export const C0 = 'kdamonds/0/contexts/0';
export const S0 = `${C0}/schemes/0`;

export function expectLines(
  pairs: [string, string][],
  tree = new VirtualSysfs(),
): { got: string[]; want: string[]; tree: VirtualSysfs } {
  const got = runSysfsScript(pairs.map((p) => p[0]).join('\n'), virtualIo(tree));
  return {
    got: got.map((g, i) => `${pairs[i]![0]} => ${g}`),
    want: pairs.map((p) => `${p[0]} => ${p[1]}`),
    tree,
  };
}

/** A tree with one kdamond, one paddr context with one target over [start, end) and n schemes. */
export function paddrSetup(start: number, end: number, nrSchemes = 0): [string, string][] {
  return [
    ['write kdamonds/nr_kdamonds 1', 'ok'],
    ['write kdamonds/0/contexts/nr_contexts 1', 'ok'],
    [`write ${C0}/operations paddr`, 'ok'],
    [`write ${C0}/targets/nr_targets 1`, 'ok'],
    [`write ${C0}/targets/0/regions/nr_regions 1`, 'ok'],
    [`write ${C0}/targets/0/regions/0/start ${start}`, 'ok'],
    [`write ${C0}/targets/0/regions/0/end ${end}`, 'ok'],
    [`write ${C0}/schemes/nr_schemes ${nrSchemes}`, 'ok'],
  ];
}
