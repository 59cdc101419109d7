import { createInbox, ErrorCode, NatsError, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from 'nats';

interface Pending {
  resolve: (msg: Msg) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request/reply over one inbox subscription per connection, as nats.js's own request() does,
 * without its per-request cost: nats.js builds a "Cancelled" NatsError (stack trace included)
 * after every reply it resolves, ~6% of the gateway's CPU under search load (bench/cluster
 * README, "Hot path"). Errors are NatsErrors with nats.js's codes (Timeout, NoResponders,
 * ConnectionClosed), so mapNatsError reads them as it reads the client's own.
 */
export class ReplyInbox {
  private readonly prefix = createInbox();
  private readonly pending = new Map<string, Pending>();
  private sub: Subscription | null = null;
  private next = 0;

  constructor(private readonly connection: NatsConnection) {}

  request(subject: string, data: Uint8Array, opts: { timeoutMs: number; headers?: MsgHdrs }): Promise<Msg> {
    return new Promise<Msg>((resolve, reject) => {
      let token: string;
      try {
        this.subscribeOnce();
        token = (this.next++).toString(36);
        const timer = setTimeout(() => this.settle(token, null, new NatsError('timeout', ErrorCode.Timeout)), opts.timeoutMs);
        this.pending.set(token, { resolve, reject, timer });
        this.connection.publish(subject, data, { reply: `${this.prefix}.${token}`, headers: opts.headers });
      } catch (error) {
        if (token! !== undefined) this.settle(token, null, error as Error);
        else reject(error as Error);
      }
    });
  }

  /** The inbox subscription, made at the first request (a shard that never asks has none). */
  private subscribeOnce(): void {
    if (this.sub && !this.sub.isClosed()) return;
    if (this.connection.isClosed()) throw new NatsError('connection closed', ErrorCode.ConnectionClosed);
    const sub = this.connection.subscribe(`${this.prefix}.*`, { callback: (err, msg) => (err ? this.failAll(err) : this.deliver(msg)) });
    this.sub = sub;
    // Closed with its connection (drain, close): nobody will answer what is still waiting.
    void sub.closed.then(() => this.failAll(new NatsError('connection closed', ErrorCode.ConnectionClosed)));
  }

  private deliver(msg: Msg): void {
    const token = msg.subject.slice(this.prefix.length + 1);
    // No payload and status 503: the server's "no responders" (nobody subscribed to the subject).
    const noResponders = msg.data.length === 0 && msg.headers?.code === 503;
    this.settle(token, noResponders ? null : msg, noResponders ? new NatsError('503', ErrorCode.NoResponders) : null);
  }

  /** Answers one waiting request once; a late reply (after its timeout) finds nothing and is dropped. */
  private settle(token: string, msg: Msg | null, error: Error | null): void {
    const waiting = this.pending.get(token);
    if (!waiting) return;
    this.pending.delete(token);
    clearTimeout(waiting.timer);
    if (error) waiting.reject(error);
    else waiting.resolve(msg!);
  }

  private failAll(error: Error): void {
    for (const token of [...this.pending.keys()]) this.settle(token, null, error);
  }
}
