/**
 * Entry point of the damon-ts daemon process (spawned by `damon-ts start --backend sim`):
 *   node main.js --socket PATH [--workload NAME|FILE.cfg] [--memory 1GiB] [--nodes N] [--speed X]
 */
import { parseArgs } from 'node:util';
import { getWorkload, loadMasimWorkload } from '../../workloads/builtins.js';
import { textToBytes } from '../../config/units.js';
import { SimDaemon } from './server.js';

const { values } = parseArgs({
  options: {
    socket: { type: 'string' },
    workload: { type: 'string' },
    memory: { type: 'string', default: '1GiB' },
    nodes: { type: 'string', default: '1' },
    speed: { type: 'string', default: '1' },
  },
});
if (!values.socket) {
  process.stderr.write('damon-ts daemon: --socket PATH is required\n');
  process.exit(2);
}
const w = values.workload;
const workload = w === undefined ? undefined : /\.cfg$/.test(w) ? loadMasimWorkload(w) : getWorkload(w);
const daemon = new SimDaemon({
  socketPath: values.socket,
  workload,
  memoryBytes: textToBytes(values.memory!),
  nodes: Number(values.nodes),
  speed: Number(values.speed),
});
await daemon.listen();
process.stdout.write(`damon-ts daemon listening on ${values.socket} (pid ${process.pid})\n`);
const stop = () => void daemon.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
