import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { FaceshardError, ShardOp } from '@faceshard/contracts';
import type { RequestContext, ShardTransport } from '@faceshard/messaging';
import type { ShardAdmission } from '../admission/shard-admission';

/**
 * Lets the shard's @MessagePattern handlers answer on faceshard's own ShardTransport
 * (NATS request-reply, or in-process in the embedded default). Nest's built-in NATS
 * transport is not used for this path: it JSON-encodes payloads (our vectors are
 * binary) and its client opens a reply subscription per request.
 */
export class ShardTransportServer extends Server implements CustomTransportStrategy {
  private served?: { close(): Promise<void> };
  private readonly handlerByOp = new Map<ShardOp, MessageHandler | null>();

  constructor(
    private readonly transport: ShardTransport,
    private readonly shardId: string,
    private readonly admission: ShardAdmission,
  ) {
    super();
  }

  async listen(callback: (...optional: unknown[]) => void): Promise<void> {
    try {
      this.served = await this.transport.serve(this.shardId, async (op, req, context) => this.admitted(op, req, context));
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Admission control first: a full queue answers BUSY, an expired deadline DEADLINE_EXCEEDED. */
  private admitted(op: ShardOp, req: unknown, context: RequestContext | undefined): Promise<any> {
    return this.admission.run(op, context?.deadline, () => this.dispatch(op, req));
  }

  private async dispatch(op: ShardOp, req: unknown): Promise<any> {
    // Resolved once per op: Nest's pattern lookup normalises the pattern on every call.
    let handler = this.handlerByOp.get(op);
    if (handler === undefined) {
      handler = this.getHandlerByPattern(op);
      this.handlerByOp.set(op, handler);
    }
    if (!handler) throw new FaceshardError('INTERNAL', `shard has no handler for "${op}"`);
    return lastValueFrom(this.transformToObservable(await handler(req)));
  }

  async close(): Promise<void> {
    await this.served?.close();
    this.served = undefined;
  }

  on(): never {
    throw new Error('ShardTransportServer emits no events');
  }

  unwrap<T>(): T {
    return this.transport as T;
  }
}
