/** Cluster metadata shared by every gateway and shard (see libs/cluster). */
export interface ShardMember {
  shardId: string;
  /** When it first registered (ISO time); informational. */
  registeredAt: string;
}

/**
 * The ring as every gateway must see it. `epoch` goes up by one on every membership
 * change; two gateways with the same epoch place every id identically.
 */
export interface RingState {
  epoch: number;
  members: string[];
}

export type ShardHealth = 'up' | 'down';

export interface ShardStatus {
  shardId: string;
  health: ShardHealth;
  lastHeartbeatMs: number | null;
}
