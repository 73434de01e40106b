/**
 * Built-in workloads by name, and masim files by path. Each call returns a fresh workload instance
 * (workloads keep run state).
 */
import { existsSync, readFileSync } from 'node:fs';
import { BUILTIN_CONFIGS } from './builtin-configs.js';
import { CombinedWorkload } from './combined-workload.js';
import { MachineWorkload } from './machine-view.js';
import { parseMasimConfig } from './masim-config.js';
import { MasimWorkload } from './masim-workload.js';

export interface WorkloadInfo {
  name: string;
  description: string;
  durationUs: number;
}

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  stairs: "masim's stairs: ten 10 MB regions hot one after another",
  zigzag: "masim's zigzag: two 100 MB regions hot in turn",
  demo: "masim's demo: zigzag with three rounds",
  'hot-cold': 'a 2 MiB hot set in 512 MiB of cold memory (TLB-resident hot set)',
  'per-cpu': 'two threads pinned to CPUs 0 and 1 on private data and one shared region',
  'thread-pairs':
    'four threads in two pairs, each pair sharing a buffer (8 MiB and 4 MiB), each thread with 4 MiB of its own',
  'write-mostly': 'nine writes per read, on separate regions',
  'read-mostly': 'nine reads per write, on separate regions',
  'phase-change': 'small sequential, large random, write burst, then mixed, 5 s each',
  'vm-like': 'a 1 GiB guest: mostly idle, a 32 MiB hot write set and a slowly drifting one (41 MB/s)',
  'multi-process': 'two processes sharing one 64 MiB mapping (A reads it, B writes it), for paddr',
  numa: 'threads on CPU 0 and CPU 1 hot on their own buffers, first touched on the other node, and a warm shared one (--nodes 2)',
};

const SHARED_KEY = 'multi-process:shared';

function builtinMasim(name: string, configName = name): MasimWorkload {
  return new MasimWorkload(parseMasimConfig(BUILTIN_CONFIGS[configName]!, `builtin:${configName}`), {
    name,
    ...(configName.startsWith('multi-process') ? { sharedRegions: { shared: SHARED_KEY } } : {}),
  });
}

/** Names and descriptions of the built-in workloads. */
export function listWorkloads(): WorkloadInfo[] {
  return Object.keys(DESCRIPTIONS).map((name) => ({
    name,
    description: DESCRIPTIONS[name]!,
    durationUs: getWorkload(name).durationUs!,
  }));
}

/** A fresh instance of the built-in workload `name`; an Error lists the known names otherwise. */
export function getWorkload(name: string): MachineWorkload {
  if (name === 'multi-process') {
    return new CombinedWorkload(name, [builtinMasim('multi-process-a'), builtinMasim('multi-process-b')]);
  }
  if (!(name in DESCRIPTIONS))
    throw new Error(`unknown workload '${name}' (known: ${Object.keys(DESCRIPTIONS).join(', ')})`);
  return builtinMasim(name);
}

/** A masim configuration file as a workload (named after the file). */
export function loadMasimWorkload(path: string): MasimWorkload {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read masim configuration: ${(e as Error).message}`);
  }
  return new MasimWorkload(parseMasimConfig(text, path), { name: path });
}

/** A workload from a command-line spec: a built-in name, else a path to a masim configuration file. */
export function resolveWorkload(spec: string): MachineWorkload {
  if (spec in DESCRIPTIONS) return getWorkload(spec);
  if (spec.endsWith('.cfg') || existsSync(spec)) return loadMasimWorkload(spec);
  return getWorkload(spec);
}
