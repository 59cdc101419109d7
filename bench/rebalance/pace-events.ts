import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** One `move-pace` log line of a coordinator (apps/shard move-coordinator.ts), compacted for the report. */
export interface PaceEvent {
  moveId: string;
  /** Seconds since the bench started listening. */
  t: number;
  source: string;
  idsPerSecond: number;
  achievedIdsPerSecond: number;
  slowdown: number | null;
  backedOff: boolean;
}

/**
 * Collects the latency pacing decisions the shards log (REBALANCE_MAX_SEARCH_P99_FACTOR), so a
 * run's report shows how the pace moved and what slowdown the shards reported.
 */
export class PaceEvents {
  private readonly events: PaceEvent[] = [];
  private readonly started = performance.now();

  listen(child: ChildProcess): void {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('"move-pace"')) return;
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        if (e.event !== 'move-pace') return;
        this.events.push({
          moveId: String(e.moveId),
          t: Math.round((performance.now() - this.started) / 100) / 10,
          source: String(e.source),
          idsPerSecond: Number(e.idsPerSecond),
          achievedIdsPerSecond: Number(e.achievedIdsPerSecond),
          slowdown: e.slowdown === null ? null : Number(e.slowdown),
          backedOff: e.backedOff === true,
        });
      } catch {
        // not a JSON line
      }
    });
  }

  /** The pacing of the run's `index`-th move (0: the first that logged any): a summary and every event. */
  ofMove(index: number): { backOffs: number; paceRange: [number, number]; maxSlowdown: number | null; events: unknown[] } | null {
    const ids = [...new Set(this.events.map((e) => e.moveId))];
    const mine = this.events.filter((e) => e.moveId === ids[index]);
    if (mine.length === 0) return null;
    const paces = mine.map((e) => e.idsPerSecond);
    const slowdowns = mine.map((e) => e.slowdown).filter((s): s is number => s !== null);
    return {
      backOffs: mine.filter((e) => e.backedOff).length,
      paceRange: [Math.min(...paces), Math.max(...paces)],
      maxSlowdown: slowdowns.length ? Math.max(...slowdowns) : null,
      events: mine.map((e) => [e.t, e.source, e.idsPerSecond, e.achievedIdsPerSecond, e.slowdown, e.backedOff ? 'back-off' : '']),
    };
  }
}
