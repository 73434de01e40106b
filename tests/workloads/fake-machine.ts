/** A recording stand-in for the simulated machine: it only logs what workloads ask for. */
import type { MachineView } from '../../src/workloads/machine-view.js';

export interface AccessCall {
  kind: 'seq' | 'random';
  tid: number;
  start: number;
  length: number;
  stride: number;
  count: number;
  isWrite: boolean;
}

export class FakeMachine implements MachineView {
  readonly config: { accessesPerSecond: number; cpus: number };
  readonly calls: AccessCall[] = [];
  readonly mmaps: { tgid: number; start: number; length: number; opts: object }[] = [];
  readonly threads: { tgid: number; tid: number; cpu?: number }[] = [];
  readonly pins = new Map<number, number>();
  readonly exited: number[] = [];
  private next = 100;

  constructor(accessesPerSecond = 1e6, cpus = 2) {
    this.config = { accessesPerSecond, cpus };
  }
  createProcess(): number {
    const pid = this.next++;
    this.threads.push({ tgid: pid, tid: pid });
    return pid;
  }
  createThread(tgid: number, opts: { cpu?: number } = {}): number {
    const tid = this.next++;
    this.threads.push({ tgid, tid, ...opts });
    if (opts.cpu !== undefined) this.pins.set(tid, opts.cpu);
    return tid;
  }
  setThreadCpu(tid: number, cpu: number): void {
    this.pins.set(tid, cpu);
  }
  exitProcess(tgid: number): void {
    this.exited.push(tgid);
  }
  mmap(tgid: number, start: number, length: number, opts: object = {}): void {
    this.mmaps.push({ tgid, start, length, opts });
  }
  access(tid: number, start: number, length: number, stride: number, count: number, isWrite: boolean): void {
    this.calls.push({ kind: 'seq', tid, start, length, stride, count, isWrite });
  }
  accessRandom(
    tid: number,
    start: number,
    length: number,
    stride: number,
    count: number,
    isWrite: boolean,
  ): void {
    this.calls.push({ kind: 'random', tid, start, length, stride, count, isWrite });
  }
  /** Sum of counts of the calls matching `f`. */
  total(f: (c: AccessCall) => boolean = () => true): number {
    return this.calls.filter(f).reduce((s, c) => s + c.count, 0);
  }
}
