/**
 * The ef each shard searches with (issue 10 item 3).
 *
 * A search's `ef` (or a shard's configured default, HNSW_EF_SEARCH) means: the ef ONE hnswlib
 * index holding the whole collection would search with. A shard holds only 1/S of the collection,
 * and a smaller graph reaches the same recall with a smaller ef. Measured on the synthetic face
 * model (bench/cluster/shard-ef-calibration.ts; figures in bench/cluster/README.md, "Per-shard
 * ef"), the ef one index needs for a given recall@10 grows as a power of its size n:
 * ef ∝ n^β, with β between ~0.5 and ~0.75 over recall 0.9–0.99, M 16/48, 12.5k–200k faces.
 * So a shard of n = N/S faces searching with ef · S^(-β) lands at about the recall a single index
 * of N faces has at ef; the merged top-k is at least as good (each true neighbour is near the top
 * of its own shard's list). The exponent is the low end of what was measured: erring towards a
 * larger ef keeps recall, a smaller one would lose it.
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
