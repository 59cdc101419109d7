import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import { moveStates as states } from '../../../test/support/move-states';
import { requestJoin, requestLeave } from './membership-requests';
import { onlyReceiving } from './receiver-priority';

describe('onlyReceiving: a target of the running move outside the read ring', () => {
  const two: RingState = { epoch: 4, members: ['s0', 's1'] };

  it('holds for a joiner from init until the read ring is committed, never for the sources', () => {
    const join = states(requestJoin(two, 's2', { clusterHoldsData: true }));
    const stages = join.map((r) => r.move?.stage ?? null);
    expect(stages).toEqual([null, 'migrate-identities', 'propagate-deletes', 'commit-read-ring', 'commit-write-ring', 'finalize', null]);
    expect(join.map((r) => onlyReceiving(r, 's2'))).toEqual([false, true, true, true, false, false, false]);
    for (const source of ['s0', 's1']) expect(join.some((r) => onlyReceiving(r, source))).toBe(false);
  });

  it('never holds in a leave: its receivers serve reads all along', () => {
    const three: RingState = { epoch: 9, members: ['s0', 's1', 's2'] };
    const leave = states(requestLeave(three, 's2'));
    expect(leave.length).toBeGreaterThan(5);
    for (const shard of ['s0', 's1', 's2']) expect(leave.some((r) => onlyReceiving(r, shard))).toBe(false);
  });
});
