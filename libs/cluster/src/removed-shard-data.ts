import { join } from 'node:path';
import { renameDurable } from './atomic-file';

/**
 * A shard taken off the ring while it was away (an operator's `DELETE /v1/cluster/members/:id
 * ?force=true`, which declared its identities lost) can come back later with its data folder as it
 * was. That data is no longer the cluster's: while it was away its identities were enrolled again
 * or deleted through their new owners, and a delete's tombstone is forgotten once it is older than
 * the grace (TOMBSTONE_GC_GRACE_MS), so a returning copy would bring deleted identities back.
 * Such a shard therefore starts empty and joins like a new one; its old data is kept beside, for
 * the operator, never served.
 */

/**
 * True when the shard served this very incarnation of the metadata (not a re-created store: that
 * is metadata loss, where the shard's data is the truth, see served-incarnation.ts), the ring no
 * longer names it, and it still holds identities. A shard that left by a drain holds none (it
 * dropped what it handed over); one that never served has no record. Pure.
 */
export function returnedAfterRemoval(o: { served: string | null; current: string; member: boolean; heldIdentities: number }): boolean {
  return o.served !== null && o.served === o.current && !o.member && o.heldIdentities > 0;
}

/** Moves `dataDir/folder` aside as `folder.removed-<UTC time>` (durably); returns where it went. */
export async function setAsideRemovedData(dataDir: string, folder: string, now: Date = new Date()): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const aside = join(dataDir, `${folder}.removed-${stamp}`);
  await renameDurable(join(dataDir, folder), aside);
  return aside;
}
