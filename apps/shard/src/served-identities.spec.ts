import { describe, expect, it } from 'vitest';
import type { MoveStage, RingState } from '@faceshard/contracts';
import { RingRouting } from '@faceshard/rebalance';
import { RingPlacement } from '@faceshard/ring';
import { servedIdentities } from './served-identities';

const ids = Array.from({ length: 400 }, (_, i) => `id-${i}`);

function joinAt(stage: MoveStage): RingRouting {
  const members = stage === 'migrate-identities' || stage === 'propagate-deletes' ? ['a', 'b'] : ['a', 'b', 'c'];
  const state: RingState = { epoch: 7, members, move: { id: 'm', from: ['a', 'b'], to: ['a', 'b', 'c'], stage, startedAt: '2026-11-28T00:00:00Z' } };
  return new RingRouting(state);
}

describe('servedIdentities: what a shard leaves out of its searches and listings', () => {
  it('serves everything outside a move (no predicate, no cost on the search path)', () => {
    expect(servedIdentities(new RingRouting({ epoch: 3, members: ['a', 'b'] }), 'a')).toBeUndefined();
  });

  it('serves everything before the write ring is committed: both owners\' copies are current', () => {
    for (const stage of ['migrate-identities', 'propagate-deletes', 'commit-read-ring', 'commit-write-ring'] as const) {
      expect(servedIdentities(joinAt(stage), 'a'), stage).toBeUndefined();
    }
  });

  it('in finalize, a source serves exactly what the new ring places on it, not what it handed over', () => {
    const serves = servedIdentities(joinAt('finalize'), 'a')!;
    const after = new RingPlacement({ epoch: 0, members: ['a', 'b', 'c'] });
    const before = new RingPlacement({ epoch: 0, members: ['a', 'b'] });
    const handedOver = ids.filter((id) => before.ownerOf(id) === 'a' && after.ownerOf(id) === 'c');
    expect(handedOver.length).toBeGreaterThan(20);
    for (const id of ids.filter((i) => before.ownerOf(i) === 'a')) expect(serves(id), id).toBe(after.ownerOf(id) === 'a');
    // Asked again (remembered answers): the same.
    for (const id of handedOver) expect(serves(id)).toBe(false);
  });

  it('in finalize, the receiver (not a source) serves everything it holds', () => {
    expect(servedIdentities(joinAt('finalize'), 'c')).toBeUndefined();
  });

  it('a leaver in finalize serves nothing: every identity it held is on its new owner', () => {
    const leave = new RingRouting({ epoch: 9, members: ['a', 'b'], move: { id: 'm', from: ['a', 'b', 'c'], to: ['a', 'b'], stage: 'finalize', startedAt: '2026-11-28T00:00:00Z' } });
    const serves = servedIdentities(leave, 'c')!;
    expect(ids.some((id) => serves(id))).toBe(false);
  });
});
