import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import type { Heartbeat } from '@faceshard/messaging';
import type { GatewayConfig } from '../config/gateway-config';
import { ManualScheduler } from '../fan-out/manual-scheduler';
import { ShardClient } from './shard-client.service';
import { ShardHealthService } from './shard-health.service';

/**
 * A shard that dies mid-request never answers; its writes in flight must fail as soon as the
 * gateway marks it down, not when the (much longer) write timeout ends (issue 6 item 16).
 */
function setup(answerAfterMs: number | null) {
  let beat: ((b: Heartbeat) => void) | undefined;
  const transport = {
    onHeartbeat: (listener: (b: Heartbeat) => void) => {
      beat = listener;
      return () => undefined;
    },
    request: (_shardId: string, op: string) =>
      new Promise((resolve, reject) => {
        if (answerAfterMs === null) setTimeout(() => reject(new Error('timed out')), 5_000).unref();
        else setTimeout(() => resolve({ op }), answerAfterMs);
      }),
    maxPayloadBytes: () => 1024 * 1024,
  };
  const config = { writeTimeoutMs: 5_000, searchTimeoutMs: 500, shardDownAfterMs: 120, maxAttributesBytes: 1024 } as GatewayConfig;
  const health = new ShardHealthService(transport as never, config);
  health.onModuleInit();
  const client = new ShardClient(transport as never, config, health);
  return { client, beat: () => beat?.({ shardId: 's1', sentAtMs: Date.now() }) };
}

describe('ShardClient writes to a shard that goes down in flight', () => {
  it('fail when the shard is marked down, retryably, with an unknown outcome, long before the write timeout', async () => {
    const { client, beat } = setup(null);
    beat(); // heard from once: up
    const started = performance.now();
    await expect(client.write('s1', 'delete', { collection: 'c', identityIds: ['x'] })).rejects.toMatchObject({
      code: 'SHARD_UNAVAILABLE',
      retryable: true,
      details: { shardId: 's1', outcome: 'unknown' },
    });
    expect(performance.now() - started).toBeLessThan(2_000); // the write timeout is 5 s
  });

  it('answer normally while the shard keeps beating, however long the write takes', async () => {
    const { client, beat } = setup(400);
    beat();
    const beating = setInterval(beat, 30);
    try {
      await expect(client.write('s1', 'delete', { collection: 'c', identityIds: ['x'] })).resolves.toEqual({ op: 'delete' });
    } finally {
      clearInterval(beating);
    }
  });

  it('fail at once, before sending, when the shard is already known down', async () => {
    const { client, beat } = setup(0);
    beat();
    await new Promise((r) => setTimeout(r, 200));
    await expect(client.write('s1', 'delete', { collection: 'c', identityIds: ['x'] })).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE', details: { shardId: 's1' } });
  });
});

/** Searches through the coalescer, on a clock the test moves and a transport it answers by hand. */
function searchSetup(searchBatch = { windowUs: 1000, maxQueries: 8 }) {
  const scheduler = new ManualScheduler();
  const requests: { op: string; req: any; timeoutMs: number; answer: (reply: unknown) => void; fail: (error: unknown) => void }[] = [];
  const transport = {
    onHeartbeat: () => () => undefined,
    request: (_shardId: string, op: string, req: unknown, opts: { timeoutMs: number }) =>
      new Promise((answer, fail) => requests.push({ op, req, timeoutMs: opts.timeoutMs, answer, fail })),
    maxPayloadBytes: () => 1024 * 1024,
  };
  const config = { searchTimeoutMs: 2_000, shardDownAfterMs: 60_000, maxAttributesBytes: 1024, searchBatch } as GatewayConfig;
  const client = new ShardClient(transport as never, config, new ShardHealthService(transport as never, config), scheduler);
  return { client, scheduler, requests };
}

const drain = () => new Promise((resolve) => setImmediate(resolve));
const target = { collection: 'people', generation: 1 };
const query = (x: number, k = 3) => ({ vector: Float32Array.of(x, 0), params: { k } });
const hitFor = (x: number) => ({ identityId: `near-${x}`, faceId: 'f', score: 1 });

describe('ShardClient searches, coalesced per shard and collection', () => {
  it('sends a lone search at once as a plain `search`, with the whole search timeout', async () => {
    const { client, requests } = searchSetup();
    const answer = client.search('s1', target, [query(1)]);
    await drain();
    expect(requests.map((r) => [r.op, r.timeoutMs])).toEqual([['search', 2_000]]);
    requests[0]!.answer({ hits: [hitFor(1)] });
    await expect(answer).resolves.toEqual([{ hits: [hitFor(1)] }]);
  });

  it('sends searches that arrive while the shard is busy as one searchMany, each query with its own k, and splits the reply per caller', async () => {
    const { client, scheduler, requests } = searchSetup();
    const first = client.search('s1', target, [query(1)]);
    scheduler.advanceUs(0);
    const second = client.search('s1', target, [query(2, 3)]);
    scheduler.advanceUs(300);
    const third = client.search('s1', target, [query(3, 7)]);
    scheduler.advanceUs(700);
    await drain();
    expect(requests.map((r) => r.op)).toEqual(['search', 'searchMany']);
    expect(requests[1]!.req).toMatchObject({ collection: 'people', generation: 1, vectors: [Float32Array.of(2, 0), Float32Array.of(3, 0)], params: [{ k: 3 }, { k: 7 }] });
    // Sent 1 ms after the first of them arrived: the earliest deadline has 1 ms less to go.
    expect(requests[1]!.timeoutMs).toBe(1_999);
    requests[1]!.answer({ hits: [[hitFor(2)], [hitFor(3)]] });
    requests[0]!.answer({ hits: [hitFor(1)] });
    expect(await Promise.all([first, second, third])).toEqual([[{ hits: [hitFor(1)] }], [{ hits: [hitFor(2)] }], [{ hits: [hitFor(3)] }]]);
  });

  it('fails every caller of a message the shard did not answer in time, and none of the others', async () => {
    const { client, scheduler, requests } = searchSetup();
    const lone = client.search('s1', target, [query(1)]);
    const late = [client.search('s1', target, [query(2)]), client.search('s1', target, [query(3)])];
    scheduler.advanceUs(1000);
    await drain();
    requests[1]!.fail(new FaceshardError('SHARD_TIMEOUT', 'late'));
    requests[0]!.answer({ hits: [] });
    await expect(lone).resolves.toEqual([{ hits: [] }]);
    for (const caller of late) await expect(caller).rejects.toMatchObject({ code: 'SHARD_TIMEOUT' });
  });

  it('re-sends a batch refused as a bad request one caller at a time, so that a caller never gets another\'s error', async () => {
    const { client, scheduler, requests } = searchSetup();
    void client.search('s1', target, [query(1)]);
    const callers = [client.search('s1', target, [query(2)]), client.search('s1', target, [query(3)])];
    scheduler.advanceUs(1000);
    await drain();
    requests[1]!.fail(new FaceshardError('DIMENSION_MISMATCH', 'bad'));
    await drain();
    expect(requests.slice(2).map((r) => r.op)).toEqual(['search', 'search']);
    requests[2]!.answer({ hits: [hitFor(2)] });
    requests[3]!.fail(new FaceshardError('DIMENSION_MISMATCH', 'bad'));
    await expect(callers[0]).resolves.toEqual([{ hits: [hitFor(2)] }]);
    await expect(callers[1]).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
  });

  it('puts a lone search to a shard not known down on the wire in the same turn, with no promise turn or event-loop turn before it', () => {
    const { client, requests } = searchSetup();
    void client.search('s1', target, [query(1)]);
    expect(requests.map((r) => r.op)).toEqual(['search']);
  });

  it('never coalesces when SEARCH_BATCH_MAX or SEARCH_BATCH_WINDOW_US is 0', async () => {
    for (const off of [{ windowUs: 0, maxQueries: 8 }, { windowUs: 1000, maxQueries: 0 }]) {
      const { client, requests } = searchSetup(off);
      for (let i = 0; i < 3; i++) void client.search('s1', target, [query(i)]);
      await drain();
      expect(requests.map((r) => r.op)).toEqual(['search', 'search', 'search']);
    }
  });
});
