/**
 * Waiting for processes to go quiet before a timed pass: after a big fill a shard still writes
 * its last snapshot and runs a graph upkeep pass, which would otherwise land in the first timed
 * searches. CPU time is read from Linux /proc/<pid>/stat.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on every Linux this runs on). */
export const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) of a /proc/<pid>/stat line. The command name (field 2) is in
 * parentheses and may hold spaces, so fields are counted after its closing parenthesis. Pure.
 */
export function cpuSecondsOfStat(stat: string): number {
  const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of the line are the 12th and 13th after the name.
  const utime = Number(after[11]);
  const stime = Number(after[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('not a /proc/<pid>/stat line');
  return (utime + stime) / TICKS_PER_SECOND;
}

/** CPU seconds of a live process; NaN when it cannot be read (process gone, not Linux). */
export function cpuSeconds(pid: number): number {
  try {
    return cpuSecondsOfStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

export interface IdleWait {
  idle: boolean;
  seconds: number;
  /** Share of one core the busiest process used over the last window. */
  lastShare: number;
}

/**
 * Resolves once every process used at most `idleShare` of a core over a window of
 * `windowSeconds`, or after `maxSeconds` (idle: false). Processes that cannot be read count as idle.
 */
export async function waitUntilIdle(pids: number[], o: { idleShare: number; windowSeconds: number; maxSeconds: number }): Promise<IdleWait> {
  const start = Date.now();
  let lastShare = NaN;
  for (;;) {
    const before = pids.map(cpuSeconds);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, o.windowSeconds * 1000));
    const wall = (Date.now() - t0) / 1000;
    const shares = pids.map((pid, i) => (cpuSeconds(pid) - before[i]) / wall).filter(Number.isFinite);
    lastShare = shares.length ? Math.max(...shares) : 0;
    const seconds = (Date.now() - start) / 1000;
    if (lastShare <= o.idleShare) return { idle: true, seconds, lastShare };
    if (seconds >= o.maxSeconds) return { idle: false, seconds, lastShare };
  }
}
