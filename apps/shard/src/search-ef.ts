import { FaceshardError } from '@faceshard/contracts';
import { shardEf } from '@faceshard/query';

/**
 * The ef this shard searches with. The request's ef, or this shard's configured default
 * (HNSW_EF_SEARCH), means the ef one index of the whole collection would use; the collection is
 * spread over the ring's read members, so this shard holds ~1/S of it and needs less (the rule
 * and its measurements: libs/query/src/shard-ef.ts). Applied here rather than in the gateway:
 * the shard also knows its default ef, the gateway's message stays the same for every shard,
 * and each shard reports the ef it used in its reply.
 */
export function searchEfOfShard(requestedEf: number | undefined, defaultEf: number, readMembers: number): number {
  const ef = requestedEf ?? defaultEf;
  if (!Number.isInteger(ef) || ef < 1) throw new FaceshardError('VALIDATION_FAILED', 'ef must be a positive integer');
  // Before this shard has seen a ring (no members), it is all there is.
  return shardEf(ef, Math.max(1, readMembers));
}
