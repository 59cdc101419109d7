import type { ShardOp, ShardRequest, ShardResponse } from '@faceshard/contracts';

/** What a shard knows about a request besides its body. */
export interface RequestContext {
  /** When the caller stops waiting, on this process's performance.now() clock; absent = no deadline. */
  deadline?: number;
  /** The gateway's request id (x-request-id), for the shard's log lines; absent for internal calls. */
  requestId?: string;
}

export type ShardHandler = <O extends ShardOp>(op: O, req: ShardRequest<O>, context?: RequestContext) => Promise<ShardResponse<O>>;

export interface Heartbeat {
  shardId: string;
  sentAtMs: number;
}

export interface ServedShard {
  /** Stops taking requests, then waits for the ones in flight to be answered. */
  close(): Promise<void>;
}

/**
 * Gateway <-> shard messaging. Errors thrown by request() are FaceshardErrors:
 * SHARD_UNAVAILABLE (nobody serves that shard: fails at once), SHARD_TIMEOUT (no answer within
 * timeoutMs), BATCH_TOO_LARGE (request over the transport's max payload), or the error the
 * shard's handler threw, by code (anything not a FaceshardError arrives as INTERNAL).
 */
export interface ShardTransport {
  request<O extends ShardOp>(shardId: string, op: O, req: ShardRequest<O>, opts: { timeoutMs: number }): Promise<ShardResponse<O>>;
  serve(shardId: string, handler: ShardHandler): Promise<ServedShard>;
  /** Largest message (request or reply) the transport carries, in bytes. */
  maxPayloadBytes(): number;
  publishHeartbeat(beat: Heartbeat): void;
  /** Returns the unsubscribe function. */
  onHeartbeat(listener: (beat: Heartbeat) => void): () => void;
  close(): Promise<void>;
}

export const SHARD_OPS: readonly ShardOp[] = [
  'upsert',
  'delete',
  'get',
  'search',
  'searchMany',
  'listIdentities',
  'dropCollection',
  'stats',
  'applyVersioned',
  'purgeTombstones',
  'ringBarrier',
  'exportChunk',
  'dropMoved',
  'integrityCheck',
  'profile',
  'profileChunk',
];

export function isShardOp(op: string): op is ShardOp {
  return (SHARD_OPS as readonly string[]).includes(op);
}

export function isHeartbeat(value: unknown): value is Heartbeat {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Heartbeat>;
  return typeof v.shardId === 'string' && typeof v.sentAtMs === 'number' && Number.isFinite(v.sentAtMs);
}
