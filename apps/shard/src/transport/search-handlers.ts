import type { ShardOp, ShardRequest, ShardResponse } from '@faceshard/contracts';
import type { ShardService } from '../shard.service';

/** A shard op answered straight from the transport, without Nest's per-message machinery. */
export type DirectHandler = (req: unknown) => unknown;
export type DirectHandlers = Partial<Record<ShardOp, DirectHandler>>;

/**
 * The data plane's hot ops. A search costs ~0.1-0.3 ms of hnswlib; Nest's RPC dispatch
 * (pattern lookup, execution context, exception filter, pipes, the observable wrapped around
 * every result) added ~45 µs to each. These go from the transport (after admission control)
 * to ShardService directly; every other op keeps its @MessagePattern in ShardController.
 */
export function searchHandlers(shard: ShardService): DirectHandlers {
  return {
    search: (req) => answerSearch(shard, req as ShardRequest<'search'>),
    searchMany: (req) => answerSearchMany(shard, req as ShardRequest<'searchMany'>),
  };
}

/** One query vector: this shard's top-k identities. */
export function answerSearch(shard: ShardService, req: ShardRequest<'search'>): ShardResponse<'search'> {
  return shard.search(req);
}

/** Several query vectors in one message: one top-k list per vector, in order. */
export function answerSearchMany(shard: ShardService, req: ShardRequest<'searchMany'>): ShardResponse<'searchMany'> {
  return shard.searchMany(req);
}
