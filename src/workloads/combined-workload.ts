/**
 * Several workloads run as one (e.g. two processes for paddr monitoring): each part is set up in
 * order and runs in every span until it finishes; the first part's process is the main one.
 */
import { MachineView, MachineWorkload } from './machine-view.js';

export class CombinedWorkload implements MachineWorkload {
  readonly durationUs: number | undefined;
  private readonly active: boolean[];

  constructor(
    readonly name: string,
    readonly parts: readonly MachineWorkload[],
  ) {
    if (parts.length === 0) throw new Error(`workload ${name}: no parts`);
    const durations = parts.map((p) => p.durationUs);
    this.durationUs = durations.every((d) => d !== undefined)
      ? Math.max(...(durations as number[]))
      : undefined;
    this.active = parts.map(() => true);
  }

  get mainPid(): number | undefined {
    return this.parts[0]!.mainPid;
  }

  setup(m: MachineView): void {
    for (const p of this.parts) p.setup(m);
  }

  run(m: MachineView, fromUs: number, toUs: number): boolean {
    let any = false;
    this.parts.forEach((p, i) => {
      if (this.active[i]) this.active[i] = p.run(m, fromUs, toUs);
      any ||= this.active[i]!;
    });
    return any;
  }
}
