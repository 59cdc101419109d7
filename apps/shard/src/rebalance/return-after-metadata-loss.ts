import type { ClusterMetadataStore } from '@faceshard/cluster';
import type { RingState } from '@faceshard/contracts';
import { requestJoin, stateOf } from '@faceshard/rebalance';

/**
 * How a running shard comes back onto the ring of a re-created metadata store (the bucket was
 * lost: a new incarnation, an empty ring), judged by the ring it last saw before the loss.
 *
 * - `active`: it was in the read ring, so what it holds is what reads were served from: it comes
 *   back as an active member at once (metadata-loss.test.ts).
 * - `join`: it was not (a joiner whose move had not yet committed the read ring): it holds only
 *   the part of its share streamed so far, while the sources still hold all of it. Coming back
 *   active would make it the owner of identities it never received (GET answered 404 for them).
 *   It joins again instead, once the read members are back, and a new move streams its share
 *   (what it already holds is replaced only by newer versions). Pure.
 */
export function comebackAfterMetadataLoss(lastRingBeforeLoss: RingState, shardId: string): 'active' | 'join' {
  if (lastRingBeforeLoss.members.includes(shardId)) return 'active';
  // No read member at all before the loss (nothing anywhere to stream from): as a first start.
  if (lastRingBeforeLoss.members.length === 0) return 'active';
  return 'join';
}

/**
 * Joins the re-created ring as `joining` once the read members of the ring before the loss are
 * back on it (each registers itself again at once when it notices the loss). Going first would
 * be wrong twice: on an empty ring it would become the only, empty, active member; and a move
 * started before every read member is back would end with a ring that leaves out whoever came
 * back during it. After `timeoutMs` (a read member that does not come back: dead) it joins with
 * those that are back, if any; returns false when it did not join (none back, or stopped).
 */
export async function joinOnceReadMembersAreBack(
  metadata: Pick<ClusterMetadataStore, 'readRing' | 'changeRing'>,
  shardId: string,
  readMembersBefore: readonly string[],
  o: { pollMs: number; timeoutMs: number; isStopped?: () => boolean },
): Promise<boolean> {
  const deadline = Date.now() + o.timeoutMs;
  const awaited = readMembersBefore.filter((member) => member !== shardId);
  for (;;) {
    if (o.isStopped?.()) return false;
    const ring = await metadata.readRing();
    if (stateOf(ring, shardId) !== null) return true;
    const allBack = awaited.every((member) => ring.members.includes(member));
    const someBack = ring.members.some((member) => member !== shardId);
    if (allBack || (Date.now() > deadline && someBack)) {
      await metadata.changeRing((current) => requestJoin(current, shardId, { clusterHoldsData: true }));
      return true;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, o.pollMs));
  }
}

/**
 * How a shard that was DOWN while the metadata was lost comes back at its start (it finds a new
 * incarnation: served-incarnation.ts), decided on the re-created ring as it is now. Pure.
 *
 * It asks to join as the holder of data (requestJoin), which already draws the line needed here:
 * - no read member on the re-created ring: an active member at once (nothing to stream from;
 *   while the read ring was empty no write could be placed anywhere);
 * - read members on it: they may have been serving without it, so writes made meanwhile to the
 *   identities it owns (enrolled again, created, deleted) landed on them. Coming back active would
 *   hide those behind its older copies (GET answered the old face). It joins as `joining`: a move
 *   streams its share from them, "newest version wins" merges it with what it holds, and their
 *   copies are dropped after. What only it holds stays (no newer version exists anywhere); it is
 *   served again once the move commits the read ring with it.
 */
export function ringOnReturnAfterLossWhileDown(ring: RingState, shardId: string): RingState {
  return requestJoin(ring, shardId, { clusterHoldsData: true });
}
