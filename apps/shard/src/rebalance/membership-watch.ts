import type { ClusterMetadataStore } from '@faceshard/cluster';
import { FaceshardError, type RingState } from '@faceshard/contracts';
import { requestLeave, stateOf } from '@faceshard/rebalance';

/**
 * This shard's own membership, as the ring says: `left` resolves when the ring, in the same
 * incarnation of the metadata store, stops naming it after having named it (a finished drain,
 * or an operator's removal). A lost and re-created store (new incarnation, empty ring) is not
 * a departure: the shard registers again.
 */
export async function watchMembership(metadata: ClusterMetadataStore, shardId: string) {
  let wasMember = false;
  let incarnation = metadata.incarnation;
  let markLeft!: () => void;
  const left = new Promise<void>((resolve) => (markLeft = resolve));
  const observe = (ring: RingState) => {
    if (metadata.incarnation !== incarnation) {
      incarnation = metadata.incarnation;
      wasMember = false;
    }
    const state = stateOf(ring, shardId);
    if (state !== null) wasMember = true;
    else if (wasMember) markLeft();
  };
  const stop = await metadata.watchRing(observe);
  return {
    left,
    stop,
    async leave(): Promise<'left' | 'last-member'> {
      try {
        await metadata.changeRing((ring) => (stateOf(ring, shardId) === null ? ring : requestLeave(ring, shardId)));
      } catch (error) {
        if (error instanceof FaceshardError && error.code === 'DATA_WOULD_BE_LOST') return 'last-member';
        throw error;
      }
      if (stateOf(await metadata.readRing(), shardId) === null) return 'left';
      await left;
      return 'left';
    },
  };
}
