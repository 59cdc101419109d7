import { Inject, Injectable } from '@nestjs/common';
import { FaceshardError, ShardRequest, ShardResponse } from '@faceshard/contracts';
import type { ShardTransport } from '@faceshard/messaging';
import type { GatewayConfig } from '../config/gateway-config';
import { GATEWAY_CONFIG, SHARD_TRANSPORT } from '../gateway.tokens';
import { ShardHealthService } from './shard-health.service';

/** Generous: a collection spec and a few numbers encode to well under 1 KB. */
const REQUEST_ENVELOPE_BYTES = 8 * 1024;

/** A reply's framing beyond its hits. */
const REPLY_ENVELOPE_BYTES = 1024;
/** One hit besides its attributes: identity and face ids (128 characters each at most), shard id, score, keys. */
const HIT_OVERHEAD_BYTES = 512;

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
   * reader looks for it). A write in flight when its shard is marked down fails then
   * (SHARD_UNAVAILABLE, details.outcome 'unknown': it may have been stored), not at the end
   * of the write timeout; writes are idempotent, so retrying it is safe.
   */
  async write<O extends 'upsert' | 'delete' | 'dropCollection'>(shardId: string, op: O, req: ShardRequest<O>): Promise<ShardResponse<O>> {
    if (await this.seemsDown(shardId)) {
      throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat); retry later`, { shardId });
    }
    const inFlight = new AbortController();
    try {
      return await Promise.race([
        this.transport.request(shardId, op, req, { timeoutMs: this.config.writeTimeoutMs }),
        this.health.whenDown(shardId, inFlight.signal).then((): never => {
          throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} went down while this write was in flight; it may or may not have been stored, retrying is safe`, {
            shardId,
            outcome: 'unknown',
          });
        }),
      ]);
    } finally {
      inFlight.abort();
    }
  }

  /**
   * Bytes one write message may spend on identities: the transport's payload limit less room
   * for the rest of the request (collection spec, ring epoch, deadline, msgpack framing).
   */
  identityBytesPerMessage(): number {
    return this.transport.maxPayloadBytes() - REQUEST_ENVELOPE_BYTES;
  }

  /**
   * Most search hits one shard reply can carry: each hit may hold an identity's attributes (at
   * most maxAttributesBytes, checked at the edge) plus ids and a score. Bounds k, so that no
   * reply is ever over the transport's payload limit.
   */
  maxHitsPerReply(): number {
    return Math.floor((this.transport.maxPayloadBytes() - REPLY_ENVELOPE_BYTES) / (this.config.maxAttributesBytes + HIT_OVERHEAD_BYTES));
  }

  async read<O extends 'search' | 'searchMany' | 'listIdentities' | 'get' | 'stats'>(shardId: string, op: O, req: ShardRequest<O>, timeoutMs?: number): Promise<ShardResponse<O>> {
    if (await this.seemsDown(shardId)) {
      throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat)`, { shardId });
    }
    return this.transport.request(shardId, op, req, { timeoutMs: timeoutMs ?? this.config.searchTimeoutMs });
  }

  /** An operator's integrity check (and repair) of one shard: its own, long deadline. */
  async integrityCheck(shardId: string, req: ShardRequest<'integrityCheck'>, timeoutMs: number): Promise<ShardResponse<'integrityCheck'>> {
    if (await this.seemsDown(shardId)) {
      throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is down (no heartbeat)`, { shardId });
    }
    return this.transport.request(shardId, 'integrityCheck', req, { timeoutMs });
  }

  /**
   * If this gateway's own event loop was busy (a large batch being parsed), heartbeats may be
   * waiting unread in the socket. setImmediate runs after the poll phase, so one turn of the
   * loop reads them before we call a live shard down.
   */
  private async seemsDown(shardId: string): Promise<boolean> {
    if (!this.health.isKnownDown(shardId)) return false;
    await new Promise((resolve) => setImmediate(resolve));
    return this.health.isKnownDown(shardId);
  }
}

