import { describe, expect, it } from 'vitest';
import type { RingState } from '@faceshard/contracts';
import { stateOf } from '@faceshard/rebalance';
import { comebackAfterMetadataLoss, joinOnceReadMembersAreBack, ringOnReturnAfterLossWhileDown } from './return-after-metadata-loss';

const midJoin: RingState = { epoch: 5, members: ['a', 'b'], memberStates: [{ shardId: 'c', state: 'joining' }] };

describe('how a running shard comes back after the metadata was re-created', () => {
  it('a read member (active or leaving) comes back active; a joiner not yet in the read ring joins again', () => {
    expect(comebackAfterMetadataLoss(midJoin, 'a')).toBe('active');
    expect(comebackAfterMetadataLoss({ ...midJoin, memberStates: [{ shardId: 'b', state: 'leaving' }] }, 'b')).toBe('active');
    expect(comebackAfterMetadataLoss(midJoin, 'c')).toBe('join');
    // Once the read ring was committed with it, it held its whole share.
    expect(comebackAfterMetadataLoss({ ...midJoin, members: ['a', 'b', 'c'] }, 'c')).toBe('active');
    // No read member anywhere (the cluster's first shard): nothing to stream from.
    expect(comebackAfterMetadataLoss({ epoch: 0, members: [] }, 'c')).toBe('active');
  });
});

describe('how a shard that was down while the metadata was lost comes back at its start', () => {
  it('alone on the re-created ring: an active member at once', () => {
    const back = ringOnReturnAfterLossWhileDown({ epoch: 0, members: [], incarnation: 'new' }, 'b');
    expect(back.members).toEqual(['b']);
    expect(stateOf(back, 'b')).toBe('active');
    expect(back.epoch).toBe(1);
  });

  it('others already on it (they took the writes meanwhile): joining, so that a move merges by version before it serves', () => {
    const back = ringOnReturnAfterLossWhileDown({ epoch: 3, members: ['a'], incarnation: 'new' }, 'b');
    expect(back.members).toEqual(['a']);
    expect(stateOf(back, 'b')).toBe('joining');
    // A joiner serves nothing before its read-ring commit: with only a joiner on the ring, nobody took writes.
    expect(stateOf(ringOnReturnAfterLossWhileDown({ epoch: 3, members: [], memberStates: [{ shardId: 'c', state: 'joining' }] }, 'b'), 'b')).toBe('active');
  });

  it('already on the ring (a restart that raced its own registration): unchanged', () => {
    const ring: RingState = { epoch: 4, members: ['a', 'b'] };
    expect(ringOnReturnAfterLossWhileDown(ring, 'b')).toBe(ring);
  });
});

/** A ring in memory, changed the way the metadata store's changeRing does. */
function fakeMetadata(initial: RingState) {
  let ring = initial;
  return {
    readRing: async () => ring,
    changeRing: async (change: (r: RingState) => RingState) => (ring = change(ring)),
    set: (next: RingState) => (ring = next),
    get ring() {
      return ring;
    },
  };
}

describe('joining the re-created ring once the read members are back', () => {
  it('waits until every read member of the ring before the loss is back, then joins as joining (not active)', async () => {
    const metadata = fakeMetadata({ epoch: 0, members: [] });
    const joining = joinOnceReadMembersAreBack(metadata, 'c', ['a', 'b'], { pollMs: 5, timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    metadata.set({ epoch: 1, members: ['a'] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    // One of the two is back: a move started now would leave out the other when it comes back during it.
    expect(stateOf(metadata.ring, 'c')).toBeNull();
    metadata.set({ epoch: 2, members: ['a', 'b'] });
    expect(await joining).toBe(true);
    expect(metadata.ring.members).toEqual(['a', 'b']);
    expect(stateOf(metadata.ring, 'c')).toBe('joining');
  });

  it('after its timeout joins with the read members that are back; with none back, or once stopped, it does not join', async () => {
    const partly = fakeMetadata({ epoch: 1, members: ['a'] });
    expect(await joinOnceReadMembersAreBack(partly, 'c', ['a', 'b'], { pollMs: 5, timeoutMs: 30 })).toBe(true);
    expect(stateOf(partly.ring, 'c')).toBe('joining');
    const empty = fakeMetadata({ epoch: 0, members: [] });
    expect(await joinOnceReadMembersAreBack(empty, 'c', ['a'], { pollMs: 5, timeoutMs: 30 })).toBe(false);
    expect(stateOf(empty.ring, 'c')).toBeNull();
    expect(await joinOnceReadMembersAreBack(fakeMetadata({ epoch: 1, members: ['a'] }), 'c', ['a'], { pollMs: 5, timeoutMs: 5_000, isStopped: () => true })).toBe(false);
  });

  it('does nothing when already on the ring', async () => {
    const already = fakeMetadata({ epoch: 2, members: ['a', 'c'] });
    expect(await joinOnceReadMembersAreBack(already, 'c', ['a'], { pollMs: 5, timeoutMs: 1_000 })).toBe(true);
    expect(already.ring.epoch).toBe(2);
  });
});
