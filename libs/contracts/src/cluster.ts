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

/**
 * Shard ids and cluster names are single NATS subject tokens and parts of KV bucket names
 * and file names: no '.', ':', '*', '>' or spaces. StatefulSet pod names (`faceshard-shard-0`) fit.
 */
export const SHARD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
