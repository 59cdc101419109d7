import type { Scheduler } from './scheduler';

/** A clock that moves only when told to: timers fire in due order as time is advanced. For tests. */
export class ManualScheduler implements Scheduler {
  private time = 0;
  private nextId = 0;
  private readonly timers = new Map<number, { at: number; fire: () => void }>();

  now(): number {
    return this.time;
  }

  after(delayUs: number, fire: () => void): () => void {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + delayUs / 1000, fire });
    return () => this.timers.delete(id);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves the clock forward, firing every timer that falls due on the way (earliest first). */
  advanceUs(us: number): void {
    const end = this.time + us / 1000;
    for (;;) {
      let due: [number, { at: number; fire: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].fire();
    }
    this.time = end;
  }
}
