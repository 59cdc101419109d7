/**
 * What a shard last recorded holding, in the metadata store under `holdingsKey(shardId)`: what an
 * operator removing a dead shard with ?force=true is told was lost with it.
 */
export interface ShardHoldings {
  shardId: string;
  identities: number;
  reportedAt: string;
}

export const holdingsKey = (shardId: string): string => `holdings.${shardId}`;
