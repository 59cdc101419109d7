import { FaceshardError, type ShardOp, type ShardRequest, type ShardResponse } from '@faceshard/contracts';
import { answerRequest, assertTimeout, encodeRequest, readReply } from './answer-request';
import { currentRequestId } from '@faceshard/observability';
import { decode, encode } from './codec';
import type { IncomingRequestMeta } from './message-headers';
import { isHeartbeat, type Heartbeat, type ServedShard, type ShardHandler, type ShardTransport } from './shard-transport';
import { assertShardId } from './subjects';

export interface InProcessShardTransportOptions {
  /** Same default as a NATS server's max_payload, so a batch that fits here fits there. */
  maxPayloadBytes?: number;
}

/**
 * Shard messaging inside one process (the embedded default: no NATS). One instance is the
 * bus: the gateway and every shard of the process share it. It keeps the NATS transport's
 * semantics: every message goes through the same codec (vectors are copied, never shared),
 * handlers run on a later turn of the event loop, a slow handler -> SHARD_TIMEOUT, an unknown
 * or closed shard -> SHARD_UNAVAILABLE at once, an oversized request -> BATCH_TOO_LARGE.
 */
export class InProcessShardTransport implements ShardTransport {
  private readonly shards = new Map<string, InProcessServedShard>();
  private readonly heartbeatListeners = new Set<(beat: Heartbeat) => void>();
  private readonly maxPayload: number;
  private closed = false;

  constructor(opts: InProcessShardTransportOptions = {}) {
    this.maxPayload = opts.maxPayloadBytes ?? 1024 * 1024;
  }

  maxPayloadBytes(): number {
    return this.maxPayload;
  }

  async request<O extends ShardOp>(shardId: string, op: O, req: ShardRequest<O>, opts: { timeoutMs: number }): Promise<ShardResponse<O>> {
    const context = { shardId, op };
    assertShardId(shardId);
    assertTimeout(opts.timeoutMs);
    const data = encodeRequest(req, context, this.maxPayload, opts.timeoutMs, currentRequestId());
    const shard = this.closed ? undefined : this.shards.get(shardId);
    if (!shard) throw new FaceshardError('SHARD_UNAVAILABLE', `shard ${shardId} is not serving (no responders)`, context);

    return new Promise<ShardResponse<O>>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new FaceshardError('SHARD_TIMEOUT', `shard ${shardId} did not answer ${op} within ${opts.timeoutMs} ms`, { ...context, timeoutMs: opts.timeoutMs }));
      }, opts.timeoutMs);
      // The request id travels in the envelope, as over NATS.
      shard.answer(op, data, {}).then((replyData) => {
        clearTimeout(timer);
        try {
          resolve(readReply<ShardResponse<O>>(replyData, context));
        } catch (err) {
          reject(err);
        }
      });
    });
  }

  async serve(shardId: string, handler: ShardHandler): Promise<ServedShard> {
    assertShardId(shardId);
    if (this.closed) throw new FaceshardError('INTERNAL', 'the in-process transport is closed');
    if (this.shards.has(shardId)) throw new FaceshardError('INTERNAL', `shard ${shardId} is already served on this in-process transport`);
    const served = new InProcessServedShard(handler, this.maxPayload, () => {
      if (this.shards.get(shardId) === served) this.shards.delete(shardId);
    });
    this.shards.set(shardId, served);
    return served;
  }

  publishHeartbeat(beat: Heartbeat): void {
    assertShardId(beat.shardId);
    if (this.closed) return;
    const data = encode(beat);
    for (const listener of this.heartbeatListeners) {
      // Each listener decodes its own copy on a later turn, as each NATS subscription would.
      setImmediate(() => {
        if (!this.heartbeatListeners.has(listener)) return;
        const decoded = decode(data);
        if (isHeartbeat(decoded)) listener({ shardId: decoded.shardId, sentAtMs: decoded.sentAtMs });
      });
    }
  }

  onHeartbeat(listener: (beat: Heartbeat) => void): () => void {
    // A distinct wrapper per call, so subscribing the same function twice gives two subscriptions.
    const subscription = (beat: Heartbeat) => listener(beat);
    this.heartbeatListeners.add(subscription);
    return () => {
      this.heartbeatListeners.delete(subscription);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.heartbeatListeners.clear();
    await Promise.all([...this.shards.values()].map((s) => s.close()));
  }
}

class InProcessServedShard implements ServedShard {
  private readonly inFlight = new Set<Promise<Uint8Array>>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly handler: ShardHandler,
    private readonly maxPayloadBytes: number,
    private readonly onClosed: () => void,
  ) {}

  answer(op: string, data: Uint8Array, meta: IncomingRequestMeta): Promise<Uint8Array> {
    // setImmediate: like a message off the network, the handler never runs inside the
    // caller's stack, so the caller's timeout timer is armed before any handler work.
    const receivedAt = performance.now();
    const work = new Promise<void>((r) => setImmediate(r)).then(() => answerRequest(op, data, this.handler, this.maxPayloadBytes, receivedAt, meta));
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.onClosed();
      await Promise.allSettled([...this.inFlight]);
    })();
    return this.closing;
  }
}
