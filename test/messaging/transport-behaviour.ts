import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaceshardError, type ShardOp, type ShardRequest, type ShardResponse } from '@faceshard/contracts';
import type { Heartbeat, RequestContext, ShardHandler, ShardTransport } from '@faceshard/messaging';
import { currentRequestId, runInRequestScope } from '@faceshard/observability';

/** A gateway-side and a shard-side transport on one bus (the same object for in-process). */
export interface TransportPair {
  gateway: ShardTransport;
  shard: ShardTransport;
  close(): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function failure(p: Promise<unknown>): Promise<FaceshardError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FaceshardError);
    return err as FaceshardError;
  }
  throw new Error('expected the request to fail');
}

function handlerOf(ops: Partial<{ [O in ShardOp]: (req: ShardRequest<O>) => Promise<ShardResponse<O>> }>): ShardHandler {
  return (async (op: ShardOp, req: never) => {
    const fn = ops[op] as ((r: never) => Promise<unknown>) | undefined;
    if (!fn) throw new FaceshardError('VALIDATION_FAILED', `op ${op} not handled in this test`);
    return fn(req);
  }) as ShardHandler;
}

function nextBeat(transport: ShardTransport, shardId: string): Promise<Heartbeat> {
  return new Promise((resolve) => {
    const off = transport.onHeartbeat((beat) => {
      if (beat.shardId !== shardId) return;
      off();
      resolve(beat);
    });
  });
}

/** The behaviour every ShardTransport must have; run against NATS and in-process alike. */
export function describeShardTransport(name: string, open: () => Promise<TransportPair>): void {
  describe(`${name}: shard transport behaviour`, () => {
    let pair: TransportPair;
    beforeEach(async () => {
      pair = await open();
    });
    afterEach(async () => {
      await pair.close();
    });

    it('delivers a request to the served shard and its reply back, Float32Array intact', async () => {
      const seen: ShardRequest<'search'>[] = [];
      await pair.shard.serve('s1', handlerOf({
        search: async (req) => {
          seen.push(req);
          return { hits: [{ identityId: 'p1', faceId: 'f1', score: req.vector[0] + req.vector[127], shardId: 's1' }] };
        },
      }));
      const vector = Float32Array.from({ length: 128 }, (_, i) => i / 128);
      const res = await pair.gateway.request('s1', 'search', { collection: 'c', vector, k: 5, minScore: 0.1 }, { timeoutMs: 5000 });
      expect(res.hits).toEqual([{ identityId: 'p1', faceId: 'f1', score: Math.fround(127 / 128), shardId: 's1' }]);
      expect(seen[0].vector).toBeInstanceOf(Float32Array);
      expect(Array.from(seen[0].vector)).toEqual(Array.from(vector));
      expect(seen[0]).toMatchObject({ collection: 'c', k: 5, minScore: 0.1 });
    });

    it('gives the handler a copy: its changes never reach the caller\'s vector', async () => {
      await pair.shard.serve('s1', handlerOf({
        search: async (req) => {
          req.vector.fill(9);
          return { hits: [] };
        },
      }));
      const vector = new Float32Array([1, 2, 3]);
      await pair.gateway.request('s1', 'search', { collection: 'c', vector, k: 1 }, { timeoutMs: 5000 });
      expect(Array.from(vector)).toEqual([1, 2, 3]);
    });

    it('carries the caller\'s request id to the shard handler (context and async scope), and none when the caller has none', async () => {
      const seen: { context?: string; scope?: string }[] = [];
      await pair.shard.serve('s1', (async (_op: ShardOp, _req: unknown, context?: RequestContext) => {
        await sleep(1);
        seen.push({ context: context?.requestId, scope: currentRequestId() });
        return { shardId: 's1', collections: [] };
      }) as ShardHandler);
      await runInRequestScope({ requestId: 'req-abc.1' }, () => pair.gateway.request('s1', 'stats', {}, { timeoutMs: 5000 }));
      await pair.gateway.request('s1', 'stats', {}, { timeoutMs: 5000 });
      expect(seen).toEqual([{ context: 'req-abc.1', scope: 'req-abc.1' }, { context: undefined, scope: undefined }]);
    });

    it('routes each request to its own shard under concurrency', async () => {
      for (const id of ['a', 'b', 'c']) {
        await pair.shard.serve(id, handlerOf({ stats: async () => ({ shardId: id, collections: [] }) }));
      }
      const targets = Array.from({ length: 60 }, (_, i) => ['a', 'b', 'c'][i % 3]);
      const answers = await Promise.all(targets.map((t) => pair.gateway.request(t, 'stats', {}, { timeoutMs: 5000 })));
      expect(answers.map((a) => a.shardId)).toEqual(targets);
    });

    it('re-throws the shard\'s FaceshardError with the same code, message and details', async () => {
      await pair.shard.serve('s1', handlerOf({
        get: async (req) => {
          throw new FaceshardError('COLLECTION_NOT_FOUND', `no collection ${req.collection}`, { collection: req.collection });
        },
      }));
      const err = await failure(pair.gateway.request('s1', 'get', { collection: 'nope', identityId: 'x' }, { timeoutMs: 5000 }));
      expect(err.code).toBe('COLLECTION_NOT_FOUND');
      expect(err.status).toBe(404);
      expect(err.message).toBe('no collection nope');
      expect(err.details).toEqual({ collection: 'nope' });
    });

    it('turns any other handler error into INTERNAL', async () => {
      await pair.shard.serve('s1', handlerOf({
        get: async () => {
          throw new TypeError('cannot read properties of undefined');
        },
      }));
      const err = await failure(pair.gateway.request('s1', 'get', { collection: 'c', identityId: 'x' }, { timeoutMs: 5000 }));
      expect(err.code).toBe('INTERNAL');
      expect(err.message).toContain('cannot read properties of undefined');
    });

    it('fails fast with SHARD_UNAVAILABLE when nobody serves the shard', async () => {
      const started = Date.now();
      const err = await failure(pair.gateway.request('ghost', 'stats', {}, { timeoutMs: 10_000 }));
      expect(err.code).toBe('SHARD_UNAVAILABLE');
      expect(err.retryable).toBe(true);
      // Fails on the server's "no responders", long before the 10 s timeout.
      expect(Date.now() - started).toBeLessThan(3000);
    });

    it('fails with SHARD_UNAVAILABLE once the shard stopped serving', async () => {
      const served = await pair.shard.serve('s1', handlerOf({ stats: async () => ({ shardId: 's1', collections: [] }) }));
      await pair.gateway.request('s1', 'stats', {}, { timeoutMs: 5000 });
      await served.close();
      const err = await failure(pair.gateway.request('s1', 'stats', {}, { timeoutMs: 5000 }));
      expect(err.code).toBe('SHARD_UNAVAILABLE');
    });

    it('fails with SHARD_TIMEOUT when the handler is slower than timeoutMs', async () => {
      await pair.shard.serve('s1', handlerOf({
        stats: async () => {
          await sleep(1500);
          return { shardId: 's1', collections: [] };
        },
      }));
      const started = Date.now();
      const err = await failure(pair.gateway.request('s1', 'stats', {}, { timeoutMs: 300 }));
      const elapsed = Date.now() - started;
      expect(err.code).toBe('SHARD_TIMEOUT');
      expect(err.details).toMatchObject({ shardId: 's1', op: 'stats', timeoutMs: 300 });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(1400);
    });

    it('answers requests already in flight when the shard stops serving', async () => {
      const served = await pair.shard.serve('s1', handlerOf({
        stats: async () => {
          await sleep(300);
          return { shardId: 's1', collections: [] };
        },
      }));
      const pending = pair.gateway.request('s1', 'stats', {}, { timeoutMs: 5000 });
      await sleep(100);
      await served.close();
      await expect(pending).resolves.toEqual({ shardId: 's1', collections: [] });
    });

    it('refuses a request over the message size limit with BATCH_TOO_LARGE, before sending it', async () => {
      let calls = 0;
      await pair.shard.serve('s1', handlerOf({
        upsert: async () => {
          calls++;
          return { upserted: 0, faces: 0 };
        },
      }));
      const faces = Array.from({ length: 600 }, (_, i) => ({ faceId: `f${i}`, vector: new Float32Array(512) }));
      const req: ShardRequest<'upsert'> = { collection: { name: 'c', dimension: 512, metric: 'cosine' }, identities: [{ identityId: 'p', faces, mode: 'replace' }] };
      const err = await failure(pair.gateway.request('s1', 'upsert', req, { timeoutMs: 5000 }));
      expect(err.code).toBe('BATCH_TOO_LARGE');
      expect(calls).toBe(0);
    });

    it('rejects a non-positive timeout and a shard id that is not one subject token with VALIDATION_FAILED', async () => {
      expect((await failure(pair.gateway.request('s1', 'stats', {}, { timeoutMs: 0 }))).code).toBe('VALIDATION_FAILED');
      for (const bad of ['a.b', '>', '*', 'a b', '']) {
        expect((await failure(pair.gateway.request(bad, 'stats', {}, { timeoutMs: 1000 }))).code).toBe('VALIDATION_FAILED');
      }
    });

    it('delivers heartbeats to every listener until it unsubscribes', async () => {
      const first = nextBeat(pair.gateway, 'hb-1');
      const received: Heartbeat[] = [];
      const off = pair.gateway.onHeartbeat((b) => received.push(b));
      await sleep(50); // let a NATS subscription reach the server
      pair.shard.publishHeartbeat({ shardId: 'hb-1', sentAtMs: 1234 });
      expect(await first).toEqual({ shardId: 'hb-1', sentAtMs: 1234 });
      await sleep(100);
      expect(received).toEqual([{ shardId: 'hb-1', sentAtMs: 1234 }]);
      off();
      pair.shard.publishHeartbeat({ shardId: 'hb-1', sentAtMs: 5678 });
      await sleep(200);
      expect(received).toHaveLength(1);
    });
  });
}
