import { describe, expect, it } from 'vitest';
import { moveStates } from '../../../test/support/move-states';
import { MOVE_STAGES, type RingState } from '@faceshard/contracts';
import { memberStatesOf, pendingChanges } from './member-states';
import { forgetMember, requestJoin, requestLeave } from './membership-requests';
import { COMPLETE_STAGE, nextMoveStep } from './move-machine';
import { leaseFor } from './coordinator-lease';
import { emptyProgress, initMove, migrationComplete, progressRate, progressRatio, recordChunk, sourceDone } from './move-stages';
import { RingRouting, writeRingsOf } from './ring-views';

const now = new Date('2026-01-01T00:00:00Z');
const two: RingState = { epoch: 4, members: ['s1', 's2'] };

/** Runs a move from init to the end, returning every state on the way. */
function runMove(ring: RingState): RingState[] {
  return moveStates(ring, 'm1', now).slice(1);
}

describe('membership requests', () => {
  it('a shard joining an empty cluster, or one without data, is active at once', () => {
    const first = requestJoin({ epoch: 0, members: [] }, 's1', { clusterHoldsData: true });
    expect(first).toEqual({ epoch: 1, members: ['s1'] });
    expect(requestJoin(first, 's2', { clusterHoldsData: false })).toEqual({ epoch: 2, members: ['s1', 's2'] });
  });

  it('a shard joining a cluster holding data is joining and in no ring; joining again changes nothing', () => {
    const ring = requestJoin(two, 's3', { clusterHoldsData: true });
    expect(ring.epoch).toBe(5);
    expect(ring.members).toEqual(['s1', 's2']);
    expect(memberStatesOf(ring)).toEqual([
      { shardId: 's1', state: 'active' },
      { shardId: 's2', state: 'active' },
      { shardId: 's3', state: 'joining' },
    ]);
    expect(requestJoin(ring, 's3', { clusterHoldsData: true })).toBe(ring);
    expect(requestJoin(ring, 's1', { clusterHoldsData: true })).toBe(ring);
  });

  it('leaving: a pending joiner just goes, a member becomes leaving, the last member is refused', () => {
    const joining = requestJoin(two, 's3', { clusterHoldsData: true });
    expect(requestLeave(joining, 's3')).toEqual({ epoch: 6, members: ['s1', 's2'] });
    const leaving = requestLeave(two, 's2');
    expect(memberStatesOf(leaving).find((m) => m.shardId === 's2')?.state).toBe('leaving');
    expect(requestLeave(leaving, 's2')).toBe(leaving);
    expect(() => requestLeave(leaving, 's1')).toThrow(expect.objectContaining({ code: 'DATA_WOULD_BE_LOST' }));
    expect(() => requestLeave(two, 'nobody')).toThrow(expect.objectContaining({ code: 'MEMBER_NOT_FOUND' }));
  });
});

describe('the move state machine', () => {
  it('a join: init writes to both rings, reads switch only at commit-read, writes at commit-write, then the joiner is active', () => {
    const states = runMove(requestJoin(two, 's3', { clusterHoldsData: true }));
    expect(states.map((s) => s.move?.stage ?? 'done')).toEqual([...MOVE_STAGES, 'done']);
    const [init, propagate, commitRead, commitWrite, finalize, done] = states;
    expect(init.move).toMatchObject({ id: 'm1', from: ['s1', 's2'], to: ['s1', 's2', 's3'], startedAt: now.toISOString() });
    // Epochs go up by one per step.
    expect(states.map((s) => s.epoch)).toEqual([6, 7, 8, 9, 10, 11]);
    for (const s of [init, propagate, commitRead]) {
      expect(s.members).toEqual(['s1', 's2']);
      expect(writeRingsOf(s)).toEqual([['s1', 's2'], ['s1', 's2', 's3']]);
    }
    expect(commitWrite.members).toEqual(['s1', 's2', 's3']);
    expect(commitWrite.readEpoch).toBe(9);
    expect(writeRingsOf(commitWrite)).toEqual([['s1', 's2'], ['s1', 's2', 's3']]);
    expect(finalize.writeEpoch).toBe(10);
    expect(writeRingsOf(finalize)).toEqual([['s1', 's2', 's3']]);
    expect(done).toEqual({ epoch: 11, members: ['s1', 's2', 's3'], readEpoch: 9, writeEpoch: 10 });
    expect(nextMoveStep(done)).toEqual({ kind: 'idle' });
  });

  it('a leave: the leaver stays in the read ring until commit-read and leaves the state at finalize', () => {
    const three: RingState = { epoch: 1, members: ['s1', 's2', 's3'] };
    const states = runMove(requestLeave(three, 's2'));
    expect(states[0].move).toMatchObject({ from: ['s1', 's2', 's3'], to: ['s1', 's3'] });
    expect(states[2].members).toEqual(['s1', 's2', 's3']);
    expect(states[3].members).toEqual(['s1', 's3']);
    expect(memberStatesOf(states[4]).find((m) => m.shardId === 's2')?.state).toBe('leaving');
    expect(states[5]).toEqual({ epoch: 8, members: ['s1', 's3'], readEpoch: 6, writeEpoch: 7 });
  });

  it('completing a stage twice (a coordinator resuming after a crash) changes nothing the second time', () => {
    const init = initMove(requestJoin(two, 's3', { clusterHoldsData: true }), { moveId: 'm', now });
    const once = COMPLETE_STAGE['migrate-identities'](init);
    expect(COMPLETE_STAGE['migrate-identities'](once)).toBe(once);
    expect(() => COMPLETE_STAGE['commit-read-ring'](init)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => COMPLETE_STAGE.finalize(two)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });

  it('one move at a time: a join during a move waits, then the next move takes it', () => {
    const moving = initMove(requestJoin(two, 's3', { clusterHoldsData: true }), { moveId: 'a', now });
    const second = requestJoin(moving, 's4', { clusterHoldsData: true });
    expect(second.move?.to).toEqual(['s1', 's2', 's3']);
    expect(initMove(second, { moveId: 'b', now })).toBe(second);
    expect(pendingChanges(second)).toEqual({ joining: ['s4'], leaving: [] });
    const states = runMove(second).slice(1);
    const after = states[states.length - 1];
    expect(memberStatesOf(after)).toContainEqual({ shardId: 's4', state: 'joining' });
    expect(nextMoveStep(after)).toEqual({ kind: 'init' });
    expect(initMove(after, { moveId: 'b', now }).move).toMatchObject({ from: ['s1', 's2', 's3'], to: ['s1', 's2', 's3', 's4'] });
  });

  it('several pending changes make one move; an operator forgetting a member abandons the move onto the read ring', () => {
    let ring = requestJoin({ epoch: 1, members: ['a', 'b', 'c'] }, 'd', { clusterHoldsData: true });
    ring = requestLeave(ring, 'a');
    const moving = initMove(ring, { moveId: 'x', now });
    expect(moving.move).toMatchObject({ from: ['a', 'b', 'c'], to: ['b', 'c', 'd'] });
    const forgotten = forgetMember(moving, 'c');
    expect(forgotten.move).toBeUndefined();
    expect(forgotten.members).toEqual(['a', 'b']);
    expect(pendingChanges(forgotten)).toEqual({ joining: ['d'], leaving: ['a'] });
  });

  it('migration completes only when every source has reported done', () => {
    const move = initMove(requestJoin(two, 's3', { clusterHoldsData: true }), { moveId: 'm', now }).move!;
    let p1 = emptyProgress('s1', now);
    p1 = recordChunk(p1, 'people', 'id-9', 10, false, now);
    p1 = recordChunk(p1, 'people', 'id-99', 5, true, now);
    expect(p1).toMatchObject({ cursors: { people: 'id-99' }, moved: 15, doneCollections: ['people'] });
    expect(sourceDone(p1, ['people'])).toBe(true);
    expect(sourceDone(p1, ['people', 'pets'])).toBe(false);
    const progress = new Map([['s1', { ...p1, done: true }]]);
    expect(migrationComplete(move, progress)).toBe(false);
    progress.set('s2', { ...emptyProgress('s2', now), done: true });
    expect(migrationComplete(move, progress)).toBe(true);
  });
});

describe('RingRouting during a move', () => {
  it('routes reads by the read ring, writes to the owner under each write ring, and a shard accepts what either ring gives it', () => {
    const init = initMove(requestJoin(two, 's3', { clusterHoldsData: true }), { moveId: 'm', now });
    const routing = new RingRouting(init);
    const old = new RingRouting(two);
    const ids = Array.from({ length: 500 }, (_, i) => `p${i}`);
    let dual = 0;
    for (const id of ids) {
      expect(routing.readOwner(id)).toBe(old.readOwner(id));
      const owners = routing.writeOwners(id);
      expect(owners[0]).toBe(old.readOwner(id));
      if (owners.length === 2) {
        dual++;
        expect(owners[1]).toBe('s3');
      }
      for (const shard of ['s1', 's2', 's3']) expect(routing.accepts(shard, id)).toBe(owners.includes(shard));
    }
    expect(dual).toBeGreaterThan(100);
    expect(dual).toBeLessThan(250);
  });
});

describe('coordinator lease and progress rate', () => {
  it('takes a free or expired lease, renews its own, and never takes a live lease of another holder', () => {
    expect(leaseFor(null, 'a', 1000, 500)).toEqual({ holder: 'a', expiresAtMs: 1500 });
    expect(leaseFor({ holder: 'b', expiresAtMs: 1200 }, 'a', 1000, 500)).toBeNull();
    expect(leaseFor({ holder: 'b', expiresAtMs: 1000 }, 'a', 1000, 500)).toEqual({ holder: 'a', expiresAtMs: 1500 });
    expect(leaseFor({ holder: 'a', expiresAtMs: 1200 }, 'a', 1000, 500)).toEqual({ holder: 'a', expiresAtMs: 1500 });
  });

  it('reports identities per second and the time left from persisted progress', () => {
    let p = emptyProgress('s1', new Date(0));
    expect(progressRate(p, new Date(1000))).toEqual({ perSecond: 0, etaSeconds: null });
    p = recordChunk(p, 'people', 'x', 100, false, new Date(2000), 300);
    expect(p.toMove).toBe(300);
    expect(progressRate(p, new Date(2000))).toEqual({ perSecond: 50, etaSeconds: 4 });
    expect(progressRate({ ...p, done: true }, new Date(2000)).etaSeconds).toBe(0);
  });

  it('progressRatio: unknown before the first chunk, moved/toMove after, 1 when done or nothing to move', () => {
    const p = emptyProgress('s1', new Date(0));
    expect(progressRatio(p)).toBeNull();
    expect(progressRatio({ ...p, moved: 25, toMove: 100 })).toBe(0.25);
    expect(progressRatio({ ...p, moved: 0, toMove: 0 })).toBe(1);
    expect(progressRatio({ ...p, moved: 100, toMove: 100, done: true })).toBe(1);
    expect(progressRatio({ ...p, moved: 120, toMove: 100 })).toBe(1);
  });
});
