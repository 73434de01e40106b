/**
 * Thread id → thread group id (process id) for events that carry only the tid. Live threads are
 * looked up in /proc; threads that exited before the lookup are found in tracefs's saved_tgids
 * (filled while the instance has options/record-tgid set).
 */
import { existsSync, readFileSync } from 'node:fs';

export class TgidCache {
  private readonly map = new Map<number, number>();
  /** Lookups that failed everywhere: their reports carry tgid -1. */
  unknown = 0;

  constructor(
    private readonly pid: number,
    private readonly savedTgidsPath?: string,
  ) {
    this.map.set(pid, pid);
  }

  tgidOf(tid: number): number {
    const hit = this.map.get(tid);
    if (hit !== undefined) return hit;
    let tgid = -1;
    if (existsSync(`/proc/${this.pid}/task/${tid}`)) {
      tgid = this.pid;
    } else {
      try {
        const m = /^Tgid:\s*(\d+)/m.exec(readFileSync(`/proc/${tid}/status`, 'utf8'));
        if (m) tgid = Number(m[1]);
      } catch {
        tgid = this.fromSavedTgids(tid);
      }
    }
    if (tgid < 0) this.unknown++;
    else this.map.set(tid, tgid);
    return tgid;
  }

  private fromSavedTgids(tid: number): number {
    if (!this.savedTgidsPath) return -1;
    try {
      const m = new RegExp(`^${tid} (\\d+)$`, 'm').exec(readFileSync(this.savedTgidsPath, 'utf8'));
      return m ? Number(m[1]) : -1;
    } catch {
      return -1;
    }
  }
}
