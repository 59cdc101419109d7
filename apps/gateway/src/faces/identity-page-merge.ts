import type { IdentitySummary } from '@faceshard/contracts';

/**
 * The shards' pages merged in id order, each identity once. During a move an identity is held by
 * its old and its new owner, both in the read ring once it is committed: the read owner's entry
 * is kept (what GET answers). Each shard pages from the same cursor, so dropping a duplicate never
 * skips anything.
 */
export function onePerIdentity(pages: { shardId: string; identities: IdentitySummary[] }[], readOwner: (identityId: string) => string): IdentitySummary[] {
  const kept = new Map<string, { shardId: string; entry: IdentitySummary }>();
  for (const { shardId, identities } of pages) {
    for (const entry of identities) {
      const held = kept.get(entry.identityId);
      if (held === undefined) kept.set(entry.identityId, { shardId, entry });
      else if (held.shardId !== shardId && shardId === readOwner(entry.identityId)) kept.set(entry.identityId, { shardId, entry });
    }
  }
  return [...kept.values()].map((k) => k.entry).sort((a, b) => (a.identityId < b.identityId ? -1 : a.identityId > b.identityId ? 1 : 0));
}
