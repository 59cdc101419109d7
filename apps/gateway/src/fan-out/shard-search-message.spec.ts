import { describe, expect, it } from 'vitest';
import { answersOfReply, queryCostBytes, shardSearchMessage, type ShardQuery } from './shard-search-message';

const target = { collection: 'people', generation: 3 };
const v = (x: number) => Float32Array.of(x, 0);
const q = (x: number, params: ShardQuery['params']): ShardQuery => ({ vector: v(x), params });

describe('shardSearchMessage', () => {
  it('sends a lone unfiltered query as `search`, exactly what an unbatched request sends', () => {
    expect(shardSearchMessage(target, [q(1, { k: 5, ef: 64, minScore: undefined })])).toEqual({
      op: 'search',
      req: { collection: 'people', generation: 3, vector: v(1), k: 5, ef: 64 },
    });
  });

  it('sends a lone filtered query as a one-vector `searchMany` (search takes no filter)', () => {
    expect(shardSearchMessage(target, [q(1, { k: 5, filter: { team: 'red' } })])).toEqual({
      op: 'searchMany',
      req: { collection: 'people', generation: 3, vectors: [v(1)], k: 5, filter: { team: 'red' } },
    });
  });

  it('states shared parameters once when every query asks the same (equal filters compared by value)', () => {
    const message = shardSearchMessage(target, [q(1, { k: 5, ef: 64, filter: { team: 'red' } }), q(2, { k: 5, ef: 64, filter: { team: 'red' } })]);
    expect(message).toEqual({ op: 'searchMany', req: { collection: 'people', generation: 3, vectors: [v(1), v(2)], k: 5, ef: 64, filter: { team: 'red' } } });
  });

  it.each([
    ['k', { k: 6, ef: 64 }],
    ['ef', { k: 5, ef: 128 }],
    ['minScore', { k: 5, ef: 64, minScore: 0.2 }],
    ['filter', { k: 5, ef: 64, filter: { team: 'blue' } }],
  ])('gives every query its own parameters when one differs in %s', (_what, other) => {
    const message = shardSearchMessage(target, [q(1, { k: 5, ef: 64 }), q(2, other)]);
    expect(message.op).toBe('searchMany');
    expect(message.req).toMatchObject({ vectors: [v(1), v(2)], params: [{ k: 5, ef: 64 }, other] });
  });
});

describe('answersOfReply', () => {
  it('answers as one hit list per query for both ops', () => {
    const hit = { identityId: 'p', faceId: 'f', score: 1 };
    expect(answersOfReply(shardSearchMessage(target, [q(1, { k: 1 })]), { hits: [hit] })).toEqual([{ hits: [hit] }]);
    expect(answersOfReply(shardSearchMessage(target, [q(1, { k: 1 }), q(2, { k: 1 })]), { hits: [[hit], []] })).toEqual([{ hits: [hit] }, { hits: [] }]);
  });

  it('keeps the ef the shard used with each query\'s answer', () => {
    const hit = { identityId: 'p', faceId: 'f', score: 1 };
    expect(answersOfReply(shardSearchMessage(target, [q(1, { k: 1, ef: 90 })]), { hits: [hit], ef: 64 })).toEqual([{ hits: [hit], ef: 64 }]);
    const many = shardSearchMessage(target, [q(1, { k: 1, ef: 90 }), q(2, { k: 1, ef: 400 })]);
    expect(answersOfReply(many, { hits: [[hit], []], efs: [64, 283] })).toEqual([{ hits: [hit], ef: 64 }, { hits: [], ef: 283 }]);
  });
});

describe('queryCostBytes', () => {
  it('counts the vector, k hits at their worst and the filter, so a budget of them fits one message both ways', () => {
    const base = queryCostBytes(q(1, { k: 1 }), 100);
    expect(queryCostBytes(q(1, { k: 3 }), 100) - base).toBe(200);
    expect(queryCostBytes({ vector: new Float32Array(128), params: { k: 1 } }, 100) - base).toBe(128 * 4 - 8);
    expect(queryCostBytes(q(1, { k: 1, filter: { team: 'red' } }), 100)).toBeGreaterThan(base + JSON.stringify({ team: 'red' }).length);
  });
});
