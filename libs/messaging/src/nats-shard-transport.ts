import { connect, ErrorCode, NatsError, type Msg, type NatsConnection, type Subscription } from 'nats';
import { FaceshardError, type ShardOp, type ShardRequest, type ShardResponse } from '@faceshard/contracts';
import { currentRequestId } from '@faceshard/observability';
import { extractTraceContext, failSpan, headerMapGetter, SpanKind, tracing, withSpan } from '@faceshard/tracing';
import { ReplyInbox } from './reply-inbox';
import { answerRequest, assertTimeout, encodeRequest, readReply } from './answer-request';
import { decode, encode } from './codec';
import { readShardRequestHeaders, shardRequestHeaders, type IncomingRequestMeta } from './message-headers';
import { isHeartbeat, type Heartbeat, type ServedShard, type ShardHandler, type ShardTransport } from './shard-transport';
import { assertClusterName, assertShardId, heartbeatSubject, heartbeatWildcard, opOfSubject, shardSubject, shardWildcard } from './subjects';

/** NATS's own default max_payload, used only until the server's INFO says otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

export interface NatsShardTransportOptions {
  /** Comma-separated server URLs, e.g. nats://nats-0:4222,nats://nats-1:4222. */
  servers: string;
  cluster: string;
  /** Connection name shown by the server (nats-top, monitoring). */
  name?: string;
}

/**
 * Shard messaging over a real NATS cluster. Requests go through a ReplyInbox: replies are
 * multiplexed over one inbox subscription per connection, never one subscription per request.
 * A request to a shard nobody serves fails at once (the server answers "no responders"), which
 * is how writes to a down shard fail fast.
 */
export class NatsShardTransport implements ShardTransport {
  private readonly served = new Set<NatsServedShard>();
  private readonly heartbeatSubs = new Set<Subscription>();

  /** Replies to our requests, on one inbox subscription (see reply-inbox.ts for why not request()). */
  private readonly replies: ReplyInbox;

  private constructor(
    readonly connection: NatsConnection,
    readonly cluster: string,
    private readonly ownsConnection: boolean,
  ) {
    this.replies = new ReplyInbox(connection);
  }

  static async connect(opts: NatsShardTransportOptions): Promise<NatsShardTransport> {
    assertClusterName(opts.cluster);
    const servers = opts.servers.split(',').map((s) => s.trim()).filter(Boolean);
    try {
      // Reconnect forever: a shard or gateway outlives a NATS node restart.
      // noAsyncTraces: otherwise every request() builds two Errors up front (stack traces for a
      // timeout that rarely comes; ~10% of the gateway's CPU under search load in --cpu-prof).
      // mapNatsError turns NATS errors into coded FaceshardErrors by code; their stacks go unused.
      const nc = await connect({ servers, name: opts.name, maxReconnectAttempts: -1, reconnectTimeWait: 500, noAsyncTraces: true });
      return new NatsShardTransport(nc, opts.cluster, true);
    } catch (err) {
      throw new FaceshardError('SHARD_UNAVAILABLE', `cannot connect to NATS at ${opts.servers}: ${(err as Error).message}`);
    }
  }

  /** Over a connection someone else owns (close() then leaves it open). */
  static fromConnection(connection: NatsConnection, cluster: string): NatsShardTransport {
    assertClusterName(cluster);
    return new NatsShardTransport(connection, cluster, false);
  }

  maxPayloadBytes(): number {
    return this.connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  request<O extends ShardOp>(shardId: string, op: O, req: ShardRequest<O>, opts: { timeoutMs: number }): Promise<ShardResponse<O>> {
    if (!tracing.on) return this.send(shardId, op, req, opts);
    // One client span per message; the shard's span is its child through the traceparent header.
    const attributes = { 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'faceshard.shard_id': shardId, 'faceshard.op': op };
    return withSpan(`shard ${op}`, { kind: SpanKind.CLIENT, attributes }, () => this.send(shardId, op, req, opts));
  }

  /** A rejected promise for every failure, thrown or not; not async, so one promise layer less per request. */
  private send<O extends ShardOp>(shardId: string, op: O, req: ShardRequest<O>, opts: { timeoutMs: number }): Promise<ShardResponse<O>> {
    const context = { shardId, op };
    let data: Uint8Array;
    try {
      assertShardId(shardId);
      assertTimeout(opts.timeoutMs);
      data = encodeRequest(req, context, this.maxPayloadBytes(), opts.timeoutMs, currentRequestId());
    } catch (err) {
      return Promise.reject(err);
    }
    let replied: Promise<Msg>;
    try {
      replied = this.replies.request(shardSubject(this.cluster, shardId, op), data, { timeoutMs: opts.timeoutMs, headers: shardRequestHeaders() });
    } catch (err) {
      return Promise.reject(mapNatsError(err, context, opts.timeoutMs));
    }
    // One then(read, map): the reply's own errors (the shard's error, an undecodable reply) are not NATS errors and are not mapped.
    return replied.then(
      (msg) => readReply<ShardResponse<O>>(msg.data, context),
      (err: unknown) => {
        throw mapNatsError(err, context, opts.timeoutMs);
      },
    );
  }

  async serve(shardId: string, handler: ShardHandler): Promise<ServedShard> {
    assertShardId(shardId);
    const served = new NatsServedShard(this.connection, shardId, shardWildcard(this.cluster, shardId), handler, () => this.maxPayloadBytes(), () =>
      this.served.delete(served),
    );
    this.served.add(served);
    // The server knows the subscription once flush() returns: requests sent after serve()
    // resolves find a responder instead of failing with "no responders".
    await this.connection.flush();
    return served;
  }

  publishHeartbeat(beat: Heartbeat): void {
    assertShardId(beat.shardId);
    if (this.connection.isClosed() || this.connection.isDraining()) return;
    try {
      this.connection.publish(heartbeatSubject(this.cluster, beat.shardId), encode(beat));
    } catch {
      // Best effort by design: a missed beat is what the monitor's downAfterMs tolerates.
    }
  }

  onHeartbeat(listener: (beat: Heartbeat) => void): () => void {
    const sub = this.connection.subscribe(heartbeatWildcard(this.cluster), {
      callback: (err, msg) => {
        if (err) return;
        let beat: unknown;
        try {
          beat = decode(msg.data);
        } catch {
          return; // not ours / corrupt: ignore
        }
        if (isHeartbeat(beat)) listener({ shardId: beat.shardId, sentAtMs: beat.sentAtMs });
      },
    });
    this.heartbeatSubs.add(sub);
    return () => {
      this.heartbeatSubs.delete(sub);
      if (!sub.isClosed()) sub.unsubscribe();
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.served].map((s) => s.close()));
    for (const sub of this.heartbeatSubs) if (!sub.isClosed()) sub.unsubscribe();
    this.heartbeatSubs.clear();
    if (this.ownsConnection && !this.connection.isClosed() && !this.connection.isDraining()) {
      await this.connection.drain();
    }
  }
}

class NatsServedShard implements ServedShard {
  private readonly sub: Subscription;
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly connection: NatsConnection,
    shardId: string,
    subject: string,
    handler: ShardHandler,
    maxPayloadBytes: () => number,
    private readonly onClosed: () => void,
  ) {
    // Callback subscription: every request is handled as it arrives, concurrently (the
    // handler is async), instead of one at a time through an async iterator.
    this.sub = connection.subscribe(subject, {
      callback: (err, msg) => {
        if (err || !msg.reply) return;
        const meta = readShardRequestHeaders(msg.headers);
        const op = opOfSubject(msg.subject);
        const work = (tracing.on ? answerTraced(shardId, op, msg, handler, maxPayloadBytes(), meta) : answerRequest(op, msg.data, handler, maxPayloadBytes(), performance.now(), meta)).then((reply) => {
          try {
            msg.respond(reply);
          } catch {
            // Connection closed while answering: the requester times out, nothing else to do.
          }
        });
        this.inFlight.add(work);
        void work.finally(() => this.inFlight.delete(work));
      },
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.sub.isClosed()) this.sub.unsubscribe();
      await Promise.allSettled([...this.inFlight]);
      if (!this.connection.isClosed()) await this.connection.flush().catch(() => undefined);
      this.onClosed();
    })();
    return this.closing;
  }
}

/** The shard's side of a traced request: a server span, child of the caller's span named in the headers. */
function answerTraced(shardId: string, op: string, msg: Msg, handler: ShardHandler, maxPayloadBytes: number, meta: IncomingRequestMeta): Promise<Uint8Array> {
  const receivedAt = performance.now();
  const parent = extractTraceContext(msg.headers, headerMapGetter);
  const attributes = { 'messaging.system': 'nats', 'messaging.operation.type': 'process', 'faceshard.shard_id': shardId, 'faceshard.op': op, 'messaging.message.body.size': msg.data.length };
  return withSpan(`shard.handle ${op}`, { kind: SpanKind.SERVER, attributes, parent }, (span) => {
    // answerRequest turns failures into error replies: mark the span on the way.
    const marking: ShardHandler = (o, req, context) =>
      handler(o, req, context).catch((error: unknown) => {
        failSpan(span, error);
        throw error;
      });
    return answerRequest(op, msg.data, marking, maxPayloadBytes, receivedAt, meta);
  });
}

/** NATS client errors -> the project's error codes. */
export function mapNatsError(err: unknown, context: { shardId: string; op: string }, timeoutMs: number): FaceshardError {
  if (err instanceof FaceshardError) return err;
  const code = err instanceof NatsError ? err.code : undefined;
  switch (code) {
    case ErrorCode.NoResponders:
      return new FaceshardError('SHARD_UNAVAILABLE', `shard ${context.shardId} is not serving (no responders)`, context);
    case ErrorCode.Timeout:
      return new FaceshardError('SHARD_TIMEOUT', `shard ${context.shardId} did not answer ${context.op} within ${timeoutMs} ms`, { ...context, timeoutMs });
    case ErrorCode.ConnectionClosed:
    case ErrorCode.ConnectionDraining:
    case ErrorCode.Disconnect:
      return new FaceshardError('SHARD_UNAVAILABLE', `NATS connection is not usable (${code}) for shard ${context.shardId}`, context);
    case ErrorCode.MaxPayloadExceeded:
      return new FaceshardError('BATCH_TOO_LARGE', `request to shard ${context.shardId} exceeds the NATS max payload`, context);
    default:
      return new FaceshardError('INTERNAL', `request to shard ${context.shardId} failed: ${(err as Error)?.message ?? String(err)}`, context);
  }
}
