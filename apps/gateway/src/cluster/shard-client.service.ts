import { Inject, Injectable } from '@nestjs/common';
import { FaceshardError, ShardRequest, ShardResponse } from '@faceshard/contracts';
import type { ShardTransport } from '@faceshard/messaging';
import type { GatewayConfig } from '../config/gateway-config';
import { GATEWAY_CONFIG, SHARD_TRANSPORT } from '../gateway.tokens';
import { ShardHealthService } from './shard-health.service';

/** Requests to one shard, with the gateway's deadlines and its fail-fast rule for down shards. */
@Injectable()
export class ShardClient {
  constructor(
    @Inject(SHARD_TRANSPORT) private readonly transport: ShardTransport,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly health: ShardHealthService,
  ) {}

  /**
   * A write to a shard that stopped heartbeating fails at once with a retryable error;
   * it is never redirected to another shard (that would put the identity where no
   * reader looks for it).
   */
  write<O extends 'upsert' | 'delete' | 'dropCollection'>(shardId: string, op: O, req: ShardRequest<O>): Promise<ShardResponse<O>> {
    if (this.health.isKnownDown(shardId)) {
      return Promise.reject(
        new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat); retry later`, { shardId }),
      );
    }
    return this.transport.request(shardId, op, req, { timeoutMs: this.config.writeTimeoutMs });
  }

  read<O extends 'search' | 'get' | 'stats'>(shardId: string, op: O, req: ShardRequest<O>, timeoutMs?: number): Promise<ShardResponse<O>> {
    if (this.health.isKnownDown(shardId)) {
      return Promise.reject(new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat)`, { shardId }));
    }
    return this.transport.request(shardId, op, req, { timeoutMs: timeoutMs ?? this.config.searchTimeoutMs });
  }
}

