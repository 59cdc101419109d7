/** Cluster metadata shared by every gateway and shard (see libs/cluster). */
export interface ShardMember {
  shardId: string;
  /** When it first registered (ISO time); informational. */
  registeredAt: string;
}

/**
 * The ring as every gateway must see it. `epoch` goes up by one on every change of this
 * state; two gateways with the same epoch place every id identically.
 *
 * `members` is the READ ring: the shards that own ids for reads and searches (and, outside a
 * move, for writes). The optional fields exist only while membership changes (libs/rebalance):
 * - `memberStates`: every member with its state; a shard absent here but listed in `members`
 *   is `active`. A `joining` shard is not in `members` until the read ring is committed; a
 *   `leaving` one stays in `members` until then.
 * - `move`: the move in progress (from ring -> to ring, its stage); writes then go to the
 *   owner under each ring of `writeRingsOf` (libs/rebalance), reads to the owner under `members`.
 * - `readEpoch` / `writeEpoch`: the epoch at which the read / write ring last changed.
 * - `incarnation`: id of the metadata store's life (a new one after the store was lost and
 *   re-created); a process that sees another incarnation adopts the state even at a lower epoch.
 */
export interface RingState {
  epoch: number;
  members: string[];
  memberStates?: RingMemberState[];
  move?: MoveState;
  readEpoch?: number;
  writeEpoch?: number;
  incarnation?: string;
}

export type MemberState = 'joining' | 'active' | 'leaving';

export interface RingMemberState {
  shardId: string;
  state: MemberState;
}

/**
 * A move's stages, in order (one file each under libs/rebalance/src/move-stages). The stage
 * named is the one running: its work is not done yet.
 */
export const MOVE_STAGES = ['migrate-identities', 'propagate-deletes', 'commit-read-ring', 'commit-write-ring', 'finalize'] as const;
export type MoveStage = (typeof MOVE_STAGES)[number];

export interface MoveState {
  /** Unique per move: progress records and source caches are keyed by it. */
  id: string;
  /** The read ring's members before the move, and after it. */
  from: string[];
  to: string[];
  stage: MoveStage;
  /** ISO time the move began (informational). */
  startedAt: string;
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
