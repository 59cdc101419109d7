import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import { requestJoin } from '@faceshard/rebalance';
import { moveStates } from '../../../../test/support/move-states';
import { ReceiverPriority } from './receiver-priority';

/** The calling thread's nice value as the kernel reports it (field 19 of /proc/thread-self/stat). */
function threadNice(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** True when this process may raise a thread's priority again (root, CAP_SYS_NICE or RLIMIT_NICE). */
function mayRaisePriority(): boolean {
  const before = getPriority(0);
  if (before >= 19) return false;
  setPriority(0, before + 1);
  try {
    setPriority(0, before);
    return true;
  } catch {
    return false;
  }
}

/** A join 2 -> 3, from the request to the end. */
function joinStates(): RingState[] {
  return moveStates(requestJoin({ epoch: 4, members: ['s0', 's1'] }, 's2', { clusterHoldsData: true }));
}

describe.skipIf(process.platform !== 'linux')('ReceiverPriority on this thread', () => {
  it('lowers the joiner thread by the configured steps through the migrate stage and gives its nice back once the read ring holds it', () => {
    const base = threadNice();
    const restorable = mayRaisePriority();
    const events: Record<string, unknown>[] = [];
    const priority = new ReceiverPriority('s2', 7, (e) => events.push(e));
    const seen: [string | null, number][] = [];
    for (const ring of joinStates()) {
      priority.observe(ring);
      seen.push([ring.move?.stage ?? null, threadNice()]);
    }
    const lowered = Math.min(19, base + 7);
    expect(lowered, 'this thread already runs at nice 19: nothing to lower').toBeGreaterThan(base);
    const after = restorable ? base : lowered;
    expect(seen).toEqual([
      [null, base],
      ['migrate-identities', lowered],
      ['propagate-deletes', lowered],
      ['commit-read-ring', lowered],
      ['commit-write-ring', after],
      ['finalize', after],
      [null, after],
    ]);
    if (!restorable) expect(events.some((e) => e.event === 'receiver-priority-failed')).toBe(true);
  });

  it('leaves a source of the join, and every thread when set to 0, at the nice it had', () => {
    const base = threadNice();
    const source = new ReceiverPriority('s0', 7, () => undefined);
    const off = new ReceiverPriority('s2', 0, () => undefined);
    for (const ring of joinStates()) {
      source.observe(ring);
      off.observe(ring);
      expect(threadNice()).toBe(base);
    }
  });
});
