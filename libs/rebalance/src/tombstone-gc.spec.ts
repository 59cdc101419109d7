import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import { MoveFilter } from './move-plan';
import { collectableTombstones } from './tombstone-gc';

const NOW = Date.UTC(2026, 10, 27, 12);
const GRACE = 10 * 60_000;
const stable: RingState = { epoch: 4, members: ['a', 'b'] };
const joining: RingState = {
  epoch: 5,
  members: ['a', 'b'],
  memberStates: [{ shardId: 'c', state: 'joining' }],
  move: { id: 'm', from: ['a', 'b'], to: ['a', 'b', 'c'], stage: 'migrate-identities', startedAt: '2026-11-27T11:00:00Z' },
};
const at = (ms: number) => ms * 1000; // a version stamped at that wall-clock time

describe('tombstone GC: a tombstone is forgotten only once every copy agrees', () => {
  it('keeps tombstones younger than the grace (a copy older than the delete may still be in flight)', () => {
    const tombstones = [
      { identityId: 'old', version: at(NOW - GRACE - 1) },
      { identityId: 'young', version: at(NOW - GRACE + 1) },
    ];
    expect(collectableTombstones(tombstones, { nowMs: NOW, graceMs: GRACE, ring: stable })).toEqual(['old']);
  });

  it('keeps every tombstone a move in flight covers, and only those (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 60 }), (ids) => {
        const tombstones = ids.map((identityId) => ({ identityId, version: at(NOW - 2 * GRACE) }));
        const kept = new Set(ids.filter((id) => !collectableTombstones(tombstones, { nowMs: NOW, graceMs: GRACE, ring: joining }).includes(id)));
        const filter = new MoveFilter(joining.move!.from, joining.move!.to);
        for (const id of ids) expect(kept.has(id), id).toBe(filter.targetOf(id) !== null);
        // Once the move is committed (no move in the ring) all of them go.
        expect(collectableTombstones(tombstones, { nowMs: NOW, graceMs: GRACE, ring: { epoch: 7, members: ['a', 'b', 'c'] } })).toEqual(ids);
      }),
    );
  });

  it('keeps a tombstone some other copy has not agreed on yet (replicas pass that check)', () => {
    const tombstones = [
      { identityId: 'x', version: at(NOW - 2 * GRACE) },
      { identityId: 'y', version: at(NOW - 2 * GRACE) + 1 },
    ];
    const replicaHas = new Map([['x', at(NOW - 2 * GRACE)]]);
    const agreed = (id: string, version: number) => (replicaHas.get(id) ?? -1) >= version;
    expect(collectableTombstones(tombstones, { nowMs: NOW, graceMs: GRACE, ring: stable, agreed })).toEqual(['x']);
  });
});
