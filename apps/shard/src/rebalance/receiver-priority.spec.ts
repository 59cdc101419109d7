import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import { requestJoin } from '@faceshard/rebalance';
import { moveStates } from '../../../../test/support/move-states';
import { mayRaisePriorityTo, ReceiverPriority, type ThreadNice } from './receiver-priority';

/** The calling thread's nice value as the kernel reports it (field 19 of /proc/thread-self/stat). */
function threadNice(): number {
  const stat = readFileSync('/proc/thread-self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

/** A join 2 -> 3, from the request to the end. */
function joinStates(): RingState[] {
  return moveStates(requestJoin({ epoch: 4, members: ['s0', 's1'] }, 's2', { clusterHoldsData: true }));
}

describe.skipIf(process.platform !== 'linux')('ReceiverPriority on this thread', () => {
  it('lowers the joiner thread by the configured steps through the migrate stage and gives its nice back once the read ring holds it', () => {
    const base = threadNice();
    const restorable = mayRaisePriorityTo(base);
    const events: Record<string, unknown>[] = [];
    const priority = new ReceiverPriority('s2', 7, (e) => events.push(e));
    const seen: [string | null, number][] = [];
    for (const ring of joinStates()) {
      priority.observe(ring);
      seen.push([ring.move?.stage ?? null, threadNice()]);
    }
    // Where the process may not raise it back, the thread is never lowered (checked separately below).
    const lowered = restorable ? Math.min(19, base + 7) : base;
    if (restorable) expect(lowered, 'this thread already runs at nice 19: nothing to lower').toBeGreaterThan(base);
    expect(seen).toEqual([
      [null, base],
      ['migrate-identities', lowered],
      ['propagate-deletes', lowered],
      ['commit-read-ring', lowered],
      ['commit-write-ring', base],
      ['finalize', base],
      [null, base],
    ]);
    expect(events.some((e) => e.event === 'receiver-priority-failed')).toBe(!restorable);
  });

  it('does not lower a thread it could not raise back, and says so', () => {
    const set: number[] = [];
    const thread: ThreadNice = { get: () => 0, set: (nice) => set.push(nice), mayRaiseTo: () => false };
    const events: Record<string, unknown>[] = [];
    const priority = new ReceiverPriority('s2', 10, (e) => events.push(e), thread);
    for (const ring of joinStates()) priority.observe(ring);
    expect(set).toEqual([]);
    expect(events.map((e) => e.event)).toEqual(['receiver-priority-failed']);
  });
});

describe('ReceiverPriority: two joiners on one thread (embedded platform)', () => {
  it('keeps the thread lowered until the last of them is in the read ring, then gives back the nice from before the first', () => {
    let nice = 0;
    const thread: ThreadNice = { get: () => nice, set: (n) => (nice = n), mayRaiseTo: () => true };
    const start = requestJoin(requestJoin({ epoch: 4, members: ['s0', 's1'] }, 's2', { clusterHoldsData: true }), 's3', { clusterHoldsData: true });
    const [, migrating] = moveStates(start);
    const a = new ReceiverPriority('s2', 10, () => undefined, thread);
    const b = new ReceiverPriority('s3', 10, () => undefined, thread);
    a.observe(migrating);
    b.observe(migrating);
    expect(nice).toBe(10);
    a.stop();
    expect(nice).toBe(10);
    b.stop();
    expect(nice).toBe(0);
  });
});

describe('mayRaisePriorityTo', () => {
  const proc = (capEff: string, niceLimit: string) => (path: string) =>
    path.endsWith('status') ? `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\n` : `Limit  Soft Limit Hard Limit Units\nMax nice priority         ${niceLimit}                    ${niceLimit}\n`;

  it('allows it with CAP_SYS_NICE (bit 23), else only as far as RLIMIT_NICE reaches (20 - limit)', () => {
    expect(mayRaisePriorityTo(0, proc('000001fffeffffff', '0'))).toBe(true);
    expect(mayRaisePriorityTo(0, proc('00000000a80425fb', '0'))).toBe(false); // Docker's default set: no CAP_SYS_NICE
    expect(mayRaisePriorityTo(0, proc('0000000000000000', '20'))).toBe(true);
    expect(mayRaisePriorityTo(0, proc('0000000000000000', '19'))).toBe(false);
    expect(mayRaisePriorityTo(5, proc('0000000000000000', '15'))).toBe(true);
    expect(mayRaisePriorityTo(0, proc('0000000000000000', 'unlimited'))).toBe(true);
    expect(mayRaisePriorityTo(0, () => { throw new Error('no /proc'); })).toBe(false);
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
