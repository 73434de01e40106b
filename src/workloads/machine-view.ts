/**
 * What workloads see of the simulated machine: the subset of `Machine` (src/backends/sim/machine.ts,
 * contract in machine-api.md) they call. Workloads type against this view, not against the machine
 * class, so they depend only on the contract; the machine satisfies it structurally and accepts every
 * `MachineWorkload` as its `Workload`.
 */
export interface MachineView {
  readonly config: { readonly accessesPerSecond: number; readonly cpus: number };
  createProcess(name?: string): number;
  createThread(tgid: number, opts?: { cpu?: number }): number;
  /** Pins a thread to a CPU (the main thread exists before any pin can be given). */
  setThreadCpu(tid: number, cpu: number): void;
  exitProcess(tgid: number): void;
  mmap(
    tgid: number,
    start: number,
    length: number,
    opts?: { anon?: boolean; prot?: 'r' | 'rw'; shared?: string },
  ): void;
  access(tid: number, start: number, length: number, stride: number, count: number, isWrite: boolean): void;
  accessRandom(
    tid: number,
    start: number,
    length: number,
    stride: number,
    count: number,
    isWrite: boolean,
  ): void;
}

/** The machine's Workload contract (machine-api.md), typed against the view above. */
export interface MachineWorkload {
  readonly name: string;
  /** Create processes, threads and VMAs. Called once before the first run. */
  setup(m: MachineView): void;
  /** Emit the accesses of [fromUs, toUs); false once finished. */
  run(m: MachineView, fromUs: number, toUs: number): boolean;
  /** Total duration in µs when known. */
  readonly durationUs?: number;
  /** The tgid DAMON vaddr monitors by default (set by setup). */
  readonly mainPid?: number;
}

export const PAGE_SIZE = 4096;

/** Rounds up to a whole number of pages. */
export function pageAlignUp(bytes: number): number {
  return Math.ceil(bytes / PAGE_SIZE) * PAGE_SIZE;
}
