/**
 * The layers of src/ (docs/architecture.md) and what each folder may import, as eslint
 * no-restricted-imports rules: an import of a folder not listed fails lint. Folder names are
 * relative to src/; a folder may always import itself.
 */
/** Everything below the runners: what a runner, eval and the interfaces build on. */
const BELOW_RUNNERS = ['core', 'records', 'workloads', 'schemes', 'ops', 'config', 'backends', 'reports'];

const MAY_IMPORT = {
  core: [],
  records: [],
  workloads: ['records'],
  schemes: ['core'],
  // The operations sets run on the simulated machine as the kernel's run on mm.
  ops: ['core', 'schemes', 'backends/sim'],
  config: ['core', 'records', 'schemes'],
  'backends/tracefs': [],
  'backends/sim': ['core'],
  'backends/trace': ['core', 'workloads'],
  'backends/kernel': ['core', 'records', 'config', 'backends/tracefs'],
  // A live lackey or perf run is a trace read as it is written: live uses trace's decoders.
  'backends/live': ['core', 'records', 'config', 'backends/tracefs', 'backends/trace'],
  reports: ['core', 'records'],
  runners: BELOW_RUNNERS,
  eval: [...BELOW_RUNNERS, 'runners'],
  'interfaces/sysfs': [...BELOW_RUNNERS, 'runners'],
  // The daemon serves virtual sysfs trees.
  'interfaces/daemon': [...BELOW_RUNNERS, 'runners', 'interfaces/sysfs'],
  'interfaces/web': [...BELOW_RUNNERS, 'runners'],
  // The CLI starts everything, the other interfaces included.
  'interfaces/cli': [...BELOW_RUNNERS, 'runners', 'eval', 'interfaces'],
};

const TOP = [...BELOW_RUNNERS, 'runners', 'eval', 'interfaces'];
const SUB = {
  backends: ['tracefs', 'sim', 'trace', 'kernel', 'live'],
  interfaces: ['sysfs', 'daemon', 'web', 'cli'],
};

/** Every folder a file could import, by its path under src/. */
const ALL = TOP.flatMap((t) => (SUB[t] ? SUB[t].map((s) => `${t}/${s}`) : [t]));

const allowed = (folder, target) =>
  target === folder || MAY_IMPORT[folder].some((a) => target === a || target.startsWith(`${a}/`));

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regex matching a relative import of `target` from a file anywhere under src/<folder>: the
 * specifier climbs some "../" and then names the target's path (or its last part, from a sibling).
 */
function importOf(folder, target) {
  const depth = folder.split('/').length;
  const alternatives = [];
  // From src/<folder>/**: up to src/ then down into target.
  alternatives.push(`^(\\.\\./){${depth},}${escape(target)}/`);
  // A sibling under the same parent (backends/live -> ../kernel/).
  const [tp, ts] = target.split('/');
  const [fp] = folder.split('/');
  if (ts && fp === tp && depth === 2) alternatives.push(`^(\\.\\./)+${escape(ts)}/`);
  return alternatives.join('|');
}

export function layerRules() {
  return Object.keys(MAY_IMPORT).map((folder) => {
    const forbidden = ALL.filter(
      (t) => !allowed(folder, t) && !t.startsWith(`${folder}/`) && !folder.startsWith(`${t}/`),
    );
    return {
      files: [`src/${folder}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            patterns: forbidden.map((t) => ({
              regex: importOf(folder, t),
              message: `src/${folder} may not import src/${t} (layers: docs/architecture.md)`,
            })),
          },
        ],
      },
    };
  });
}
