import { describe, expect, it } from 'vitest';
import { assertNoShardLeftOut, shardFoldersLeftOut } from './embedded-shard-folders';

const folders = [
  { index: 0, shardId: 'shard-a' },
  { index: 1, shardId: 'shard-b' },
  { index: 2, shardId: 'shard-c' },
];

describe('embedded shard folders left out by a lower EMBEDDED_SHARDS', () => {
  it('lists the folders at or above the count whose shard the ring still holds (members or joining/leaving), none when all start', () => {
    const ring = { epoch: 3, members: ['shard-a', 'shard-b'], memberStates: [{ shardId: 'shard-c', state: 'joining' as const }] };
    expect(shardFoldersLeftOut(folders, 1, ring).map((f) => f.index)).toEqual([1, 2]);
    expect(shardFoldersLeftOut(folders, 3, ring)).toEqual([]);
    expect(shardFoldersLeftOut(folders, 5, ring)).toEqual([]);
  });

  it('lets a folder go whose shard was drained off the ring', () => {
    expect(shardFoldersLeftOut(folders, 2, { epoch: 4, members: ['shard-a', 'shard-b'] })).toEqual([]);
  });

  it('refuses with the count needed and how to go down', () => {
    expect(() => assertNoShardLeftOut([], 1)).not.toThrow();
    expect(() => assertNoShardLeftOut([{ index: 1, shardId: 'shard-b' }], 1)).toThrow(/EMBEDDED_SHARDS=1 would leave shards\/1 \(shard-b\).*Start with EMBEDDED_SHARDS=2.*drain/);
  });
});
