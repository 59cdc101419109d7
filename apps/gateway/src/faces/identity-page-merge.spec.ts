import { describe, expect, it } from 'vitest';
import { onePerIdentity } from './identity-page-merge';

describe('onePerIdentity: the shards\' listing pages merged', () => {
  it('names an identity held by two shards once, with the read owner\'s entry, in id order', () => {
    const readOwner = (id: string) => (id === 'x' ? 'c' : 'a');
    const merged = onePerIdentity(
      [
        { shardId: 'a', identities: [{ identityId: 'w', faces: 1 }, { identityId: 'x', faces: 1 }] },
        { shardId: 'c', identities: [{ identityId: 'x', faces: 2 }, { identityId: 'y', faces: 1 }] },
      ],
      readOwner,
    );
    expect(merged).toEqual([{ identityId: 'w', faces: 1 }, { identityId: 'x', faces: 2 }, { identityId: 'y', faces: 1 }]);
  });

  it('keeps the read owner\'s entry whichever page comes first', () => {
    const pages = [
      { shardId: 'c', identities: [{ identityId: 'x', faces: 2 }] },
      { shardId: 'a', identities: [{ identityId: 'x', faces: 1 }] },
    ];
    expect(onePerIdentity(pages, () => 'a')).toEqual([{ identityId: 'x', faces: 1 }]);
    expect(onePerIdentity(pages, () => 'c')).toEqual([{ identityId: 'x', faces: 2 }]);
  });

  it('orders by UTF-16 code units, not locale', () => {
    const merged = onePerIdentity([{ shardId: 'a', identities: [{ identityId: 'b', faces: 1 }, { identityId: 'B', faces: 1 }, { identityId: 'a', faces: 1 }] }], () => 'a');
    expect(merged.map((e) => e.identityId)).toEqual(['B', 'a', 'b']);
  });
});
