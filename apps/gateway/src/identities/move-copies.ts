import type { CollectionSpec, VersionedIdentity } from '@faceshard/contracts';
import type { RingRouting } from '@faceshard/rebalance';
import { encode } from '@faceshard/messaging';
import { chunkBySize } from './chunk-by-size';

/**
 * During a move an identity has two write owners: the OLD owner (first in writeOwners) takes the
 * client's write and assigns its version; the new owner(s) then apply that exact copy with
 * applyVersioned (newest version wins), so every copy holds the same version instead of each
 * owner stamping its own. Outside a move there is one owner and nothing to forward.
 */
export function splitWriteOwners(ring: RingRouting, identityId: string): { first: string; followers: string[] } {
  const [first, ...followers] = ring.writeOwners(identityId);
  return { first, followers };
}

/** applyVersioned messages for the followers of each copy, each under the payload budget. */
export function copiesByFollower(ring: RingRouting, copies: readonly VersionedIdentity[], budgetBytes: number): { shardId: string; entries: VersionedIdentity[] }[] {
  const byFollower = new Map<string, VersionedIdentity[]>();
  for (const copy of copies) {
    for (const follower of splitWriteOwners(ring, copy.identityId).followers) {
      const list = byFollower.get(follower);
      if (list) list.push(copy);
      else byFollower.set(follower, [copy]);
    }
  }
  return [...byFollower].flatMap(([shardId, entries]) => {
    // A copy is at most the size of the write that made it plus its faces kept from before; an
    // oversize one still goes alone (the transport refuses it loudly rather than dropping it).
    const { chunks, oversize } = chunkBySize(entries, (entry) => encode(entry).byteLength, budgetBytes);
    return [...chunks, ...oversize.map((entry) => [entry])].map((part) => ({ shardId, entries: part }));
  });
}

