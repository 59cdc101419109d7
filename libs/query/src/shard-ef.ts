/**
 * The ef each shard searches with (issue 10 item 3).
 *
 * A search's `ef` (or a shard's configured default, HNSW_EF_SEARCH) means: the ef ONE hnswlib
 * index holding the whole collection would search with. A shard holds only 1/S of the collection,
 * and a smaller graph reaches the same recall with a smaller ef. Measured on the synthetic face
 * model (bench/cluster/shard-ef-calibration.ts, M 16, efConstruction 200, 12.5k-100k faces;
 * figures in bench/cluster/README.md, "Per-shard ef"), the ef one index needs for a recall@10
 * target grows as a power of its size n, ef ~ n^beta, with beta 0.41 at recall 0.90, 0.48 at
 * 0.98, 0.51 at 0.99, 0.53 at 0.995 and 0.56 at 0.999. beta = 0.5 is the value of the range
 * these searches are run in (0.98-0.995). So a shard of n = N/S faces searches with
 * ef * S^-0.5 and lands at about the recall one index of N faces has at ef; the merged top-k
 * is a little better still (each true neighbour needs to be found only near the top of its own
 * shard's list), which covers the lower recall targets' smaller beta.
 *
 * S is the number of shards the collection is spread over (the ring's read members): the ring
 * places identities evenly, so each shard's share is ~1/S. Pure.
 */
export const SHARD_EF_EXPONENT = 0.5;

export function shardEf(collectionEf: number, shards: number, exponent: number = SHARD_EF_EXPONENT): number {
  if (!Number.isInteger(collectionEf) || collectionEf < 1) throw new RangeError(`ef must be a positive integer, got ${collectionEf}`);
  if (!Number.isInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${shards}`);
  if (!(exponent >= 0 && exponent <= 1)) throw new RangeError(`exponent must be within [0, 1], got ${exponent}`);
  // ceil: never below the rule; min: a shard never needs more than the whole collection would.
  return Math.min(collectionEf, Math.max(1, Math.ceil(collectionEf * shards ** -exponent)));
}
