import type { AttributeFilter, SearchHit, SearchParams, ShardRequest, ShardResponse } from '@faceshard/contracts';

/** One query as the fan-out sends it to a shard. */
export interface ShardQuery {
  vector: Float32Array;
  params: SearchParams;
}

/** A shard's answer to one query: its hits, and the ef it searched with (libs/query/src/shard-ef.ts; absent when it holds nothing of the collection). */
export interface ShardAnswer {
  hits: SearchHit[];
  ef?: number;
}

/** Which collection (and generation of it) a batch of queries is about. */
export interface SearchTarget {
  collection: string;
  generation?: number;
}

export type ShardSearchMessage = { op: 'search'; req: ShardRequest<'search'> } | { op: 'searchMany'; req: ShardRequest<'searchMany'> };

/** msgpack framing of one more query in a searchMany (array slots, map keys): generous. */
const QUERY_FRAMING_BYTES = 64;

/**
 * The one message that asks a shard for a batch of queries. A lone query without a filter goes
 * as `search`, exactly what an unbatched request sends; anything else as `searchMany`, with the
 * parameters once when every query shares them and one set per query (params[i]) when they
 * differ.
 *
 * Why each query carries its own k/ef/filter instead of coalescing only alike queries: a shard
 * answers a query with another k or ef at the cost of that query alone, so splitting a batch by
 * parameters would only send more messages, and callers that ask differently (identify's
 * `limit` and filter, search's k, clients on other ef) would never share one.
 */
export function shardSearchMessage(target: SearchTarget, queries: readonly ShardQuery[]): ShardSearchMessage {
  const first = queries[0]!.params;
  if (queries.length === 1 && first.filter === undefined) {
    return { op: 'search', req: { collection: target.collection, generation: target.generation, vector: queries[0]!.vector, ...compact(first) } };
  }
  const shared = queries.every((q) => sameParams(q.params, first));
  const req: ShardRequest<'searchMany'> = { collection: target.collection, generation: target.generation, vectors: queries.map((q) => q.vector), ...compact(first) };
  if (!shared) req.params = queries.map((q) => compact(q.params));
  return { op: 'searchMany', req };
}

/** The shard's reply as one answer per query of the batch, in order. */
export function answersOfReply(message: ShardSearchMessage, reply: ShardResponse<'search'> | ShardResponse<'searchMany'>): ShardAnswer[] {
  if (message.op === 'search') {
    const { hits, ef } = reply as ShardResponse<'search'>;
    return [ef === undefined ? { hits } : { hits, ef }];
  }
  const { hits, efs } = reply as ShardResponse<'searchMany'>;
  return hits.map((list, i) => (efs?.[i] === undefined ? { hits: list } : { hits: list, ef: efs[i] }));
}

/**
 * What a query spends of one message's byte budget, counted at its worst: its vector and
 * filter in the request, plus k hits of `hitBytes` each in the reply. Request and reply share
 * one budget so that a batch under it fits the transport's payload limit both ways.
 */
export function queryCostBytes(query: ShardQuery, hitBytes: number): number {
  const filterBytes = query.params.filter === undefined ? 0 : JSON.stringify(query.params.filter).length * 3; // UTF-8 at worst
  return query.vector.byteLength + filterBytes + query.params.k * hitBytes + QUERY_FRAMING_BYTES;
}

function compact(params: SearchParams): SearchParams {
  const out: SearchParams = { k: params.k };
  if (params.minScore !== undefined) out.minScore = params.minScore;
  if (params.ef !== undefined) out.ef = params.ef;
  if (params.filter !== undefined) out.filter = params.filter;
  return out;
}

function sameParams(a: SearchParams, b: SearchParams): boolean {
  return a.k === b.k && a.minScore === b.minScore && a.ef === b.ef && sameFilter(a.filter, b.filter);
}

/** Same object (the faces of one photo), or equal as JSON; a false "differ" only costs per-query params. */
function sameFilter(a: AttributeFilter | undefined, b: AttributeFilter | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b));
}
