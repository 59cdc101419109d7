import { CLUSTER_NAME_PATTERN, FaceshardError, SHARD_ID_PATTERN, type ShardOp } from '@faceshard/contracts';

/**
 * Every subject starts with fs.<cluster>, so several clusters (tests, benchmarks, tenants)
 * can share one NATS server without hearing each other.
 */
export function shardSubject(cluster: string, shardId: string, op: ShardOp): string {
  return `fs.${cluster}.shard.${shardId}.${op}`;
}

/** All ops of one shard: what the shard subscribes to. */
export function shardWildcard(cluster: string, shardId: string): string {
  return `fs.${cluster}.shard.${shardId}.*`;
}

export function heartbeatSubject(cluster: string, shardId: string): string {
  return `fs.${cluster}.heartbeat.${shardId}`;
}

export function heartbeatWildcard(cluster: string): string {
  return `fs.${cluster}.heartbeat.*`;
}

/** The op is the last token of a shard subject. */
export function opOfSubject(subject: string): string {
  return subject.slice(subject.lastIndexOf('.') + 1);
}

export function assertClusterName(cluster: string): void {
  if (!CLUSTER_NAME_PATTERN.test(cluster)) {
    throw new FaceshardError('VALIDATION_FAILED', `invalid cluster name ${JSON.stringify(cluster)}: must match ${CLUSTER_NAME_PATTERN}`);
  }
}

export function assertShardId(shardId: string): void {
  if (typeof shardId !== 'string' || !SHARD_ID_PATTERN.test(shardId)) {
    throw new FaceshardError('VALIDATION_FAILED', `invalid shard id ${JSON.stringify(shardId)}: must match ${SHARD_ID_PATTERN}`);
  }
}
