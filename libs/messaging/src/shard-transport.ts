import type { SearchLatencyReport, ShardOp, ShardRequest, ShardResponse } from '@faceshard/contracts';

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

/**
 * A gateway's searches while a move runs, for the move's latency pacing (libs/rebalance
 * latency-pacing.ts): published by every gateway a few times a second, heard by coordinators.
 */
export interface SearchLatencyBeat extends SearchLatencyReport {
  gatewayId: string;
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
  /** Best effort, like heartbeats: a lost report only leaves a coordinator on the last one it heard. */
  publishSearchLatency(beat: SearchLatencyBeat): void;
  /** Returns the unsubscribe function. */
  onSearchLatency(listener: (beat: SearchLatencyBeat) => void): () => void;
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

export function isSearchLatencyBeat(value: unknown): value is SearchLatencyBeat {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<SearchLatencyBeat>;
  const counts = [v.recentP99Ms, v.recentSamples, v.baselineP99Ms, v.baselineSamples];
  return typeof v.gatewayId === 'string' && counts.every((n) => typeof n === 'number' && Number.isFinite(n));
}
