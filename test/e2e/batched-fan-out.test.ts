import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { decode } from '@faceshard/messaging';
import { call, NATS_URL, TestCluster } from '../support/cluster-harness';
import { randomUnitVectors } from '../support/vectors';

/**
 * Batched fan-out against a real cluster: two shard processes on the real NATS server, one
 * gateway that coalesces concurrent searches (SEARCH_BATCH_*) and one that never does. A
 * listener on the shards' subjects counts the messages and the queries they carry.
 */
const DIM = 32;
const COUNT = 2_000;
const CONCURRENT = 64;
const shardIds = ['shard-a', 'shard-b'];
const vectors = randomUnitVectors(COUNT, DIM, 11);
const probes = randomUnitVectors(CONCURRENT, DIM, 12);
/** Requests that ask different things, so one message must carry per-query k/ef/minScore. */
const requestOf = (i: number) => ({ vector: Array.from(probes[i]!), k: [3, 10, 7][i % 3], ef: [40, 120][i % 2], ...(i % 5 === 0 ? { minScore: 0.2 } : {}) });

interface Seen {
  messages: number;
  queries: number;
  batches: number;
  perQueryParams: number;
}

describe('batched fan-out over NATS: fewer shard messages, the same answers', () => {
  const cluster = new TestCluster({ SEARCH_TIMEOUT_MS: '3000' });
  let batched = '';
  let unbatched = '';
  let listener: NatsConnection;
  const seen = new Map<string, Seen>();

  beforeAll(async () => {
    await Promise.all(shardIds.map((id) => cluster.startShard(id)));
    // A window long enough that a loaded test machine still coalesces (the default is 1 ms).
    batched = await cluster.startGateway({ SEARCH_BATCH_WINDOW_US: '5000', SEARCH_BATCH_MAX: '16' });
    unbatched = await cluster.startExtraGateway({ SEARCH_BATCH_WINDOW_US: '0' });
    await cluster.waitForMembers(shardIds);
    expect((await call(batched, 'POST', '/v1/collections', { name: 'people', dimension: DIM })).status).toBe(201);
    for (let start = 0; start < COUNT; start += 500) {
      const identities = vectors.slice(start, start + 500).map((v, j) => ({ identityId: `p-${start + j}`, faces: [{ faceId: 'f0', vector: Array.from(v) }] }));
      expect((await call(batched, 'POST', '/v1/collections/people/identities/batch', { identities })).status).toBe(200);
    }
    listener = await connect({ servers: NATS_URL, name: 'batched-fan-out-test' });
    for (const op of ['search', 'searchMany']) {
      listener.subscribe(`fs.${cluster.name}.shard.*.${op}`, {
        callback: (err, msg) => {
          if (err) return;
          const shardId = msg.subject.split('.')[3]!;
          const req = (decode(msg.data) as { req: { vectors?: unknown[]; params?: unknown[] } }).req;
          const s = seen.get(shardId) ?? { messages: 0, queries: 0, batches: 0, perQueryParams: 0 };
          s.messages++;
          s.queries += req.vectors ? req.vectors.length : 1;
          if ((req.vectors?.length ?? 1) > 1) s.batches++;
          if (req.params) s.perQueryParams++;
          seen.set(shardId, s);
        },
      });
    }
    await listener.flush();
  });

  afterAll(async () => {
    await listener?.close();
    await cluster.stop();
  });

  /** Counts only what the searches in `run` send. */
  async function counted<T>(run: () => Promise<T>): Promise<{ result: T; seen: Map<string, Seen> }> {
    seen.clear();
    const result = await run();
    await listener.flush(); // every message routed before our replies came back has been delivered to us
    return { result, seen: new Map(seen) };
  }

  /** Resolves once each shard's subject has carried `queries` queries, or after `timeoutMs` (the assertions then say what arrived). */
  async function untilEveryQueryIsOnTheWire(queries: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !shardIds.every((id) => (seen.get(id)?.queries ?? 0) >= queries)) {
      await listener.flush();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('answers concurrent searches with fewer shard messages than searches, every query on the wire exactly once, each answer equal to the unbatched one', async () => {
    const expected = [];
    for (let i = 0; i < CONCURRENT; i++) expected.push((await call(unbatched, 'POST', '/v1/collections/people/search', requestOf(i))).body);

    // Coalescing happens only while a shard is busy with an earlier message. On a quiet machine
    // 64 concurrent searches overlap by themselves; on a loaded one (CI runs test files side by
    // side) each reply can come back before the gateway has parsed the next request, and nothing
    // would coalesce. So the shards are held busy (stopped) until every query is on the wire.
    const { result: answers, seen: wire } = await counted(async () => {
      await Promise.all(shardIds.map((id) => cluster.kill(id, 'SIGSTOP')));
      try {
        const replies = Promise.all(Array.from({ length: CONCURRENT }, (_, i) => call(batched, 'POST', '/v1/collections/people/search', requestOf(i))));
        await untilEveryQueryIsOnTheWire(CONCURRENT, 2_000);
        await Promise.all(shardIds.map((id) => cluster.kill(id, 'SIGCONT')));
        return await replies;
      } finally {
        await Promise.all(shardIds.map((id) => cluster.kill(id, 'SIGCONT')));
      }
    });

    for (let i = 0; i < CONCURRENT; i++) {
      expect(answers[i]!.status, JSON.stringify(answers[i]!.body)).toBe(200);
      expect(answers[i]!.body.partial).toBe(false);
      expect(answers[i]!.body.hits, `search ${i}`).toEqual(expected[i].hits);
    }
    for (const shardId of shardIds) {
      const s = wire.get(shardId)!;
      expect(s.queries, shardId).toBe(CONCURRENT);
      expect(s.messages, shardId).toBeLessThan(CONCURRENT);
      expect(s.batches, shardId).toBeGreaterThan(0);
      expect(s.perQueryParams, shardId).toBeGreaterThan(0);
    }
    console.log(`batched gateway: ${CONCURRENT} concurrent searches -> ${shardIds.map((id) => `${id}: ${wire.get(id)!.messages} messages`).join(', ')}`);
  });

  it('sends one message per search per shard when batching is off, and a lone search alone at once when it is on', async () => {
    const { seen: off } = await counted(() => Promise.all(Array.from({ length: 16 }, (_, i) => call(unbatched, 'POST', '/v1/collections/people/search', requestOf(i)))));
    for (const shardId of shardIds) expect(off.get(shardId)).toMatchObject({ messages: 16, queries: 16, batches: 0 });

    const { result, seen: lone } = await counted(() => call(batched, 'POST', '/v1/collections/people/search', requestOf(1)));
    expect(result.status).toBe(200);
    for (const shardId of shardIds) expect(lone.get(shardId)).toMatchObject({ messages: 1, queries: 1, batches: 0 });
  });

  it('makes a shard that does not answer a missing shard of every search in the batch, and the other shard still answers each', async () => {
    await cluster.kill('shard-b', 'SIGSTOP');
    try {
      const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => call(batched, 'POST', '/v1/collections/people/search', requestOf(i))));
      for (const answer of answers) {
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        expect(answer.body).toMatchObject({ partial: true, missingShards: [{ shardId: 'shard-b', code: 'SHARD_TIMEOUT' }] });
        expect(answer.body.hits.length).toBeGreaterThan(0);
        expect(answer.body.hits.every((h: { shardId: string }) => h.shardId === 'shard-a')).toBe(true);
      }
    } finally {
      await cluster.kill('shard-b', 'SIGCONT');
    }
  });
});
