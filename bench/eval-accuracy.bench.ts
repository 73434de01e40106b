/**
 * The accuracy table of `damon-ts eval` for stairs, zigzag and per-cpu at default attributes
 * (5 ms / 100 ms, 10..1000 regions). Each workload runs DAMON_TS_EVAL_SECONDS virtual seconds
 * (default 10; "full" = the whole workload), all setups on one machine (shared isolation: the
 * setups' accuracies match replica runs closely and it is several times faster; see src/eval/eval.ts).
 */
import { DEFAULT_SETUPS, runEval, type EvalSetup } from '../src/eval/eval.js';
import { formatEval } from '../src/eval/format.js';
import { parseSetup } from '../src/eval/setups.js';
import { getWorkload } from '../src/workloads/builtins.js';

const env = process.env.DAMON_TS_EVAL_SECONDS ?? '10';
const seconds = env === 'full' ? undefined : Number(env);

const cases: { workload: string; setups: readonly EvalSetup[] }[] = [
  { workload: 'stairs', setups: DEFAULT_SETUPS },
  { workload: 'zigzag', setups: DEFAULT_SETUPS },
  {
    workload: 'per-cpu',
    setups: ['page_table', 'page_fault', 'cpus:0', 'cpus:1', 'write_only:none', 'write_only:write'].map((s) =>
      parseSetup(s),
    ),
  },
];

for (const c of cases) {
  const t0 = performance.now();
  const r = runEval({
    workload: () => getWorkload(c.workload),
    setups: c.setups,
    isolation: 'shared',
    durationUs: seconds === undefined ? undefined : seconds * 1e6,
  });
  console.log(formatEval(r));
  console.log(
    `# wall time ${((performance.now() - t0) / 1000).toFixed(1)} s for ${(r.durationUs / 1e6).toFixed(1)} s virtual\n`,
  );
}
