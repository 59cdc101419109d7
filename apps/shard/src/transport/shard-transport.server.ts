import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { FaceshardError, ShardOp } from '@faceshard/contracts';
import type { RequestContext, ShardTransport } from '@faceshard/messaging';
import type { ShardAdmission } from '../admission/shard-admission';
import type { DirectHandler, DirectHandlers } from './search-handlers';

/**
 * Lets the shard's @MessagePattern handlers answer on faceshard's own ShardTransport
 * (NATS request-reply, or in-process in the embedded default). Nest's built-in NATS
 * transport is not used for this path: it JSON-encodes payloads (our vectors are
 * binary) and its client opens a reply subscription per request.
 *
 * The hot ops (search, searchMany: see search-handlers.ts) are answered directly once
 * `answerDirectly` registered them; everything else (the control plane) goes through Nest.
 */
export class ShardTransportServer extends Server implements CustomTransportStrategy {
  private served?: { close(): Promise<void> };
  private readonly handlerByOp = new Map<ShardOp, MessageHandler | null>();
  private readonly directByOp = new Map<ShardOp, DirectHandler>();

  constructor(
    private readonly transport: ShardTransport,
    private readonly shardId: string,
    private readonly admission: ShardAdmission,
  ) {
    super();
  }

  /** Ops answered without Nest's dispatch; call before listen(). */
  answerDirectly(handlers: DirectHandlers): void {
    for (const [op, handler] of Object.entries(handlers) as [ShardOp, DirectHandler | undefined][]) {
      if (handler) this.directByOp.set(op, handler);
    }
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
    const direct = this.directByOp.get(op);
    if (direct) return this.admission.run(op, context?.deadline, () => dispatchDirect(direct, req));
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

/** A direct handler's answer (or its throw) as the promise the admission gate waits for. */
async function dispatchDirect(handler: DirectHandler, req: unknown): Promise<unknown> {
  return handler(req);
}
