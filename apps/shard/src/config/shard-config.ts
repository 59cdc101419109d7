import { resolve } from 'node:path';
import { intFrom, nonNegativeIntFrom } from '@faceshard/config';
import { DEFAULT_MOVE_OPTIONS, type MoveCoordinatorOptions } from '../rebalance/move-coordinator';
import { DEFAULT_RECEIVER_NICE } from '../rebalance/receiver-priority';

/** Everything a shard process is told from outside. Read once at start-up. */
export interface ShardConfig {
  /** Given (e.g. a StatefulSet pod name) or read/created in dataDir; see resolveShardId. */
  shardId?: string;
  dataDir: string;
  hnsw: { M: number; efConstruction: number; efSearch: number };
  snapshotEveryOps: number;
  heartbeatEveryMs: number;
  /** Stream replicas of the JetStream metadata bucket (3 on a 3-node NATS cluster). */
  metadataReplicas: number;
  /** Admission control: how many searches and writes run at once and wait (see admission/). */
  admission: {
    searches: { maxConcurrent: number; maxQueued: number };
    writes: { maxConcurrent: number; maxQueued: number };
    retryAfterMs: number;
  };
  /** WAL_SALVAGE=1: open a damaged write-ahead log anyway, dropping (and reporting) what follows the damage. */
  walSalvage: boolean;
  /** Longest CPU profile an admin may ask of this shard (POST /v1/admin/profile). */
  profileMaxSeconds: number;
  /** Rebalancing: chunk size, flow control (identities per second per source), lease and settle times. */
  moves: MoveCoordinatorOptions;
  /**
   * REBALANCE_RECEIVER_NICE, 0-19 (0: off): how many nice steps lower this shard's event loop thread
   * runs while it only receives a move (a joiner before the read ring is committed; see
   * rebalance/receiver-priority.ts). Only orders it against threads of its own autogroup / cgroup.
   */
  receiverNice: number;
  /** Tombstone GC (rebalance/tombstone-collector.ts): how often it runs (0: never) and the youngest tombstone it may forget. */
  tombstoneGc: { everyMs: number; graceMs: number };
  /** How often the shard checks whether to record its identity count in the metadata store (rebalance/holdings-reporter.ts). */
  holdingsReportEveryMs: number;
}

export function readShardConfig(env: NodeJS.ProcessEnv = process.env): ShardConfig {
  return {
    shardId: env.SHARD_ID || undefined,
    dataDir: resolve(env.DATA_DIR ?? './data'),
    hnsw: {
      M: intFrom(env.HNSW_M, 16),
      efConstruction: intFrom(env.HNSW_EF_CONSTRUCTION, 200),
      efSearch: intFrom(env.HNSW_EF_SEARCH, 128),
    },
    snapshotEveryOps: intFrom(env.SNAPSHOT_EVERY_OPS, 50_000),
    heartbeatEveryMs: intFrom(env.HEARTBEAT_EVERY_MS, 1_000),
    metadataReplicas: intFrom(env.FACESHARD_METADATA_REPLICAS, 1),
    walSalvage: env.WAL_SALVAGE === '1',
    profileMaxSeconds: intFrom(env.PROFILE_MAX_SECONDS, 60),
    moves: {
      ...DEFAULT_MOVE_OPTIONS,
      chunkEntries: intFrom(env.REBALANCE_CHUNK_IDS, DEFAULT_MOVE_OPTIONS.chunkEntries),
      chunksInFlight: intFrom(env.REBALANCE_CHUNKS_IN_FLIGHT, DEFAULT_MOVE_OPTIONS.chunksInFlight),
      maxIdsPerSecond: nonNegativeIntFrom(env.REBALANCE_MAX_IDS_PER_SEC, DEFAULT_MOVE_OPTIONS.maxIdsPerSecond),
      maxTimeShare: shareFrom('REBALANCE_MAX_TIME_SHARE', env.REBALANCE_MAX_TIME_SHARE, DEFAULT_MOVE_OPTIONS.maxTimeShare),
      leaseTtlMs: intFrom(env.REBALANCE_LEASE_TTL_MS, DEFAULT_MOVE_OPTIONS.leaseTtlMs),
      settleMs: intFrom(env.REBALANCE_SETTLE_MS, DEFAULT_MOVE_OPTIONS.settleMs),
    },
    receiverNice: niceFrom('REBALANCE_RECEIVER_NICE', env.REBALANCE_RECEIVER_NICE, DEFAULT_RECEIVER_NICE),
    holdingsReportEveryMs: intFrom(env.HOLDINGS_REPORT_EVERY_MS, 5_000),
    tombstoneGc: {
      everyMs: env.TOMBSTONE_GC_EVERY_MS === '0' ? 0 : intFrom(env.TOMBSTONE_GC_EVERY_MS, 60_000),
      graceMs: intFrom(env.TOMBSTONE_GC_GRACE_MS, 10 * 60_000),
    },
    admission: {
      // Searches run synchronously on the event loop: more than a couple at once gains nothing.
      searches: { maxConcurrent: intFrom(env.SHARD_MAX_CONCURRENT_SEARCHES, 2), maxQueued: intFrom(env.SHARD_MAX_QUEUED_SEARCHES, 64) },
      // Writes overlapping on the lock share one fsync (group commit): let a good number through.
      writes: { maxConcurrent: intFrom(env.SHARD_MAX_CONCURRENT_WRITES, 32), maxQueued: intFrom(env.SHARD_MAX_QUEUED_WRITES, 256) },
      retryAfterMs: intFrom(env.SHARD_BUSY_RETRY_AFTER_MS, 1_000),
    },
  };
}

/** A nice increment, 0-19. */
function niceFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 19) throw new Error(`${name} must be an integer in 0-19, got "${value}"`);
  return parsed;
}

/** A share of time in (0, 1] (e.g. 0.25: a quarter). */
function shareFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0 || parsed > 1) throw new Error(`${name} must be a number in (0, 1], got "${value}"`);
  return parsed;
}
