import { describe, expect, it } from 'vitest';
import { FaceshardError, type CollectionSpec, type SearchHit } from '@faceshard/contracts';
import { RingPlacement } from '@faceshard/ring';
import type { GatewayConfig } from '../config/gateway-config';
import { SearchService } from './search.service';

const collection: CollectionSpec = { name: 'people', dimension: 2, metric: 'cosine' };
const config = { maxK: 100, maxAttributesBytes: 4096 } as GatewayConfig;

type ShardAnswer = SearchHit[] | FaceshardError;

/** Fakes of the gateway's collaborators: the ring, the collection cache and the shard client. */
function serviceWith(answers: Record<string, ShardAnswer>, maxHitsPerReply = 1000, efUsed: Record<string, number> = {}) {
  const requests: { shardId: string; k: number; minScore?: number }[] = [];
  const ring = { current: () => new RingPlacement({ epoch: 7, members: Object.keys(answers) }) };
  const collections = {
    // The gateway's cache holds the collection; an unknown name goes to require(), as in CollectionsService.
    cached: (name: string) => (name === collection.name ? collection : undefined),
    require: async (name: string) => (name === collection.name ? collection : Promise.reject(new FaceshardError('COLLECTION_NOT_FOUND', name))),
  };
  const shards = {
    maxHitsPerReply: () => maxHitsPerReply,
    search: async (shardId: string, _target: unknown, queries: { params: { k: number; minScore?: number } }[]) => {
      requests.push({ shardId, k: queries[0]!.params.k, minScore: queries[0]!.params.minScore });
      const answer = answers[shardId];
      if (answer instanceof FaceshardError) throw answer;
      return queries.map(() => (efUsed[shardId] === undefined ? { hits: answer } : { hits: answer, ef: efUsed[shardId] }));
    },
  };
  // A calibration that maps farTarget 1e-3 to 0.93 (what SearchThresholdService would resolve).
  const thresholds = {
    resolve: async (_c: CollectionSpec, r: { minScore?: number; farTarget?: number }) =>
      r.farTarget !== undefined ? { threshold: 0.93, source: 'farTarget', farTarget: r.farTarget, falseMatchRate: r.farTarget } : undefined,
  };
  const service = new SearchService(config, collections as never, ring as never, shards as never, thresholds as never);
  return { service, requests };
}

const hit = (identityId: string, score: number, shardId: string): SearchHit => ({ identityId, faceId: 'f', score, shardId });

describe('SearchService', () => {
  it('asks every ring member for k and merges their lists into the global top-k', async () => {
    const { service, requests } = serviceWith({
      a: [hit('p1', 0.9, 'a'), hit('p2', 0.5, 'a')],
      b: [hit('p3', 0.8, 'b'), hit('p4', 0.7, 'b')],
    });
    const result = await service.search('people', { vector: [1, 0], k: 3 });
    expect(requests.map((r) => r.shardId).sort()).toEqual(['a', 'b']);
    expect(requests.every((r) => r.k === 3)).toBe(true);
    expect(result.hits.map((h) => h.identityId)).toEqual(['p1', 'p3', 'p4']);
    expect(result).toMatchObject({ partial: false, missingShards: [], ringEpoch: 7 });
  });

  it('sends the threshold a farTarget resolves to as every shard\'s minScore and names it in the answer; a plain minScore goes through as given', async () => {
    const { service, requests } = serviceWith({ a: [hit('p1', 0.95, 'a')], b: [] });
    const result = await service.search('people', { vector: [1, 0], farTarget: 1e-3 });
    expect(requests.map((r) => r.minScore)).toEqual([0.93, 0.93]);
    expect(result).toMatchObject({ threshold: 0.93, thresholdSource: 'farTarget', farTarget: 1e-3, falseMatchRate: 1e-3 });
    requests.length = 0;
    const plain = await service.search('people', { vector: [1, 0], minScore: 0.2 });
    expect(requests.map((r) => r.minScore)).toEqual([0.2, 0.2]);
    expect(plain).not.toHaveProperty('threshold');
  });

  it('says which ef each answering shard searched with (a shard holding nothing of the collection reports none)', async () => {
    const { service } = serviceWith(
      { a: [hit('p1', 0.9, 'a')], b: [hit('p2', 0.8, 'b')], c: [], d: new FaceshardError('SHARD_TIMEOUT', 'late') },
      1000,
      { a: 91, b: 92, d: 94 },
    );
    const result = await service.search('people', { vector: [1, 0], ef: 128 });
    expect(result.shardEf).toEqual({ a: 91, b: 92 });
    expect(result.hits.map((h) => h.identityId)).toEqual(['p1', 'p2']);
  });

  it('reports a shard that timed out or is down as missing, and the answer as partial', async () => {
    const { service } = serviceWith({
      a: [hit('p1', 0.9, 'a')],
      b: new FaceshardError('SHARD_TIMEOUT', 'late'),
      c: new FaceshardError('SHARD_UNAVAILABLE', 'down'),
    });
    const result = await service.search('people', { vector: [1, 0] });
    expect(result.partial).toBe(true);
    expect(result.missingShards).toEqual([
      { shardId: 'b', code: 'SHARD_TIMEOUT' },
      { shardId: 'c', code: 'SHARD_UNAVAILABLE' },
    ]);
    expect(result.hits.map((h) => h.identityId)).toEqual(['p1']);
  });

  it('answers partial, with the reason, when a shard fails for its own reasons (not retryable, not about the request)', async () => {
    const { service } = serviceWith({
      a: [hit('p1', 0.9, 'a')],
      b: new FaceshardError('REPLY_TOO_LARGE', 'reply over the payload limit'),
      c: new FaceshardError('INTERNAL', 'shard failed: a bug'),
      d: new FaceshardError('BUSY', 'queue full'),
    });
    const result = await service.search('people', { vector: [1, 0] });
    expect(result.partial).toBe(true);
    expect(result.missingShards).toEqual([
      { shardId: 'b', code: 'REPLY_TOO_LARGE' },
      { shardId: 'c', code: 'INTERNAL' },
      { shardId: 'd', code: 'BUSY' },
    ]);
    expect(result.hits.map((h) => h.identityId)).toEqual(['p1']);
  });

  it('fails with the shards\' error when no shard answered at all (every shard busy -> BUSY, 429)', async () => {
    const busy = () => new FaceshardError('BUSY', 'queue full', { retryAfterMs: 2000 });
    const { service } = serviceWith({ a: busy(), b: busy() });
    await expect(service.search('people', { vector: [1, 0] })).rejects.toMatchObject({ code: 'BUSY', status: 429, details: { retryAfterMs: 2000 } });
  });

  it('bounds k by what one shard reply can carry (k hits x attributes), before fanning out', async () => {
    const { service, requests } = serviceWith({ a: [] }, 40);
    await expect(service.search('people', { vector: [1, 0], k: 41 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { max: 40 } });
    expect(requests).toEqual([]);
    await expect(service.search('people', { vector: [1, 0], k: 40 })).resolves.toMatchObject({ partial: false });
  });

  it('passes on an error about the request itself instead of hiding it as partial', async () => {
    const { service } = serviceWith({ a: [], b: new FaceshardError('DIMENSION_MISMATCH', 'bad') });
    await expect(service.search('people', { vector: [1, 0] })).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
  });

  it('validates before fanning out: wrong dimension, k over the limit, unknown collection, empty ring', async () => {
    const { service, requests } = serviceWith({ a: [] });
    await expect(service.search('people', { vector: [1, 0, 0] })).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
    await expect(service.search('people', { vector: [1, 0], k: 101 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(service.search('nobody', { vector: [1, 0] })).rejects.toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
    expect(requests).toEqual([]);
    const empty = serviceWith({});
    await expect(empty.service.search('people', { vector: [1, 0] })).rejects.toMatchObject({ code: 'NO_SHARDS' });
  });
});

describe('SearchService.searchMany (the faces of one photo)', () => {
  it('gives each shard every face in ONE submission (they travel in one message, coalesced or not), with the shared options, and merges per face', async () => {
    const calls: { shardId: string; queries: { vector: Float32Array; params: unknown }[] }[] = [];
    const ring = { current: () => new RingPlacement({ epoch: 3, members: ['a', 'b'] }) };
    const shards = {
      maxHitsPerReply: () => 1000,
      search: async (shardId: string, _target: unknown, queries: { vector: Float32Array; params: unknown }[]) => {
        calls.push({ shardId, queries });
        // Shard a holds the better match for face 0, shard b for face 1.
        return queries.map((q) => ({ hits: [hit(`${shardId}-near-${q.vector[0]}`, shardId === (q.vector[0] === 0 ? 'a' : 'b') ? 0.9 : 0.5, shardId)] }));
      },
    };
    const service = new SearchService(config, {} as never, ring as never, shards as never, {} as never);
    const options = { k: 1, ef: 80, filter: { team: 'red' } };
    const result = await service.searchMany(collection, [Float32Array.of(0, 1), Float32Array.of(1, 0)], options);
    expect(calls.map((c) => [c.shardId, c.queries.length])).toEqual([
      ['a', 2],
      ['b', 2],
    ]);
    expect(calls[0]!.queries.map((q) => q.params)).toEqual([options, options]);
    expect(result.hits.map((list) => list.map((h) => h.identityId))).toEqual([['a-near-0'], ['b-near-1']]);
    expect(result).toMatchObject({ partial: false, missingShards: [], ringEpoch: 3 });
  });
});
