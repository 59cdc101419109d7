import { describe, expect, it } from 'vitest';
import { FaceshardError, type CollectionSpec, type ShardRequest } from '@faceshard/contracts';
import { encode } from '@faceshard/messaging';
import { RingRouting } from '@faceshard/rebalance';
import type { GatewayConfig } from '../config/gateway-config';
import { IdentitiesService } from './identities.service';

const collection: CollectionSpec = { name: 'people', dimension: 2, metric: 'cosine' };
const config = { maxBatch: 1000, maxAttributesBytes: 8 * 1024 } as GatewayConfig;
/** What the transport carries per message, as the in-process and NATS defaults do. */
const MAX_PAYLOAD = 1024 * 1024;

/**
 * Fakes: a ring the test can move forward, and shards that fence on their own view of the
 * epoch exactly as the shard app does (stale epoch -> RING_CHANGED).
 */
function setup(opts: { gatewayRing: RingRouting; storeRing: RingRouting; downShards?: string[]; shardEpochs?: Record<string, number> }) {
  let current = opts.gatewayRing;
  const written = new Map<string, string[]>();
  const messages: number[] = [];
  const refreshes: number[] = [];
  const ring = {
    current: () => current,
    refresh: async () => {
      current = opts.storeRing;
      refreshes.push(current.epoch);
      return current;
    },
  };
  /** Versions as each fake shard holds them: an owner assigns its own (from a per-shard base), a copy keeps its version. */
  const versions = new Map<string, Map<string, number>>();
  const nextVersion = new Map<string, number>();
  const applied = new Map<string, { identityId: string; version: number }[]>();
  const shards = {
    identityBytesPerMessage: () => MAX_PAYLOAD - 8 * 1024,
    write: async (shardId: string, op: string, anyReq: unknown) => {
      const req = anyReq as ShardRequest<'upsert'>;
      // The transports refuse a request over their payload limit, before any shard sees it.
      const bytes = encode(req).byteLength;
      if (bytes > MAX_PAYLOAD) throw new FaceshardError('BATCH_TOO_LARGE', `request is ${bytes} bytes`);
      messages.push(bytes);
      if (opts.downShards?.includes(shardId)) throw new FaceshardError('SHARD_UNAVAILABLE', `${shardId} down`);
      // A shard fences on the epoch IT knows (by default, the store's newest).
      const known = opts.shardEpochs?.[shardId] ?? opts.storeRing.epoch;
      if ((req.ringEpoch ?? 0) < known) throw new FaceshardError('RING_CHANGED', 'stale');
      const held = versions.get(shardId) ?? new Map<string, number>();
      versions.set(shardId, held);
      if (op === 'applyVersioned') {
        const { entries } = anyReq as ShardRequest<'applyVersioned'>;
        for (const entry of entries) if (entry.version > (held.get(entry.identityId) ?? -1)) held.set(entry.identityId, entry.version);
        applied.set(shardId, [...(applied.get(shardId) ?? []), ...entries.map(({ identityId, version }) => ({ identityId, version }))]);
        return { applied: entries.length, skipped: 0 };
      }
      const stamp = (id: string): number => {
        const version = (nextVersion.get(shardId) ?? (shardId.charCodeAt(0) - 96) * 1000) + 1;
        nextVersion.set(shardId, version);
        held.set(id, version);
        return version;
      };
      if (op === 'delete') {
        const { identityIds, returnCopies } = anyReq as ShardRequest<'delete'>;
        const copies = identityIds.map((identityId) => ({ identityId, version: stamp(identityId), deleted: true as const }));
        return returnCopies ? { deleted: 1, copies } : { deleted: 1 };
      }
      written.set(shardId, [...(written.get(shardId) ?? []), ...req.identities.map((i) => i.identityId)]);
      const copies = req.identities.map((identity) => ({ identityId: identity.identityId, version: stamp(identity.identityId), faces: identity.faces }));
      return req.returnCopies ? { upserted: req.identities.length, faces: req.identities.length, copies } : { upserted: req.identities.length, faces: req.identities.length };
    },
  };
  const collections = { require: async () => collection };
  const service = new IdentitiesService(config, collections as never, ring as never, shards as never);
  return { service, written, refreshes, messages, versions, applied };
}

const oldRing = new RingRouting({ epoch: 1, members: ['a'] });
const newRing = new RingRouting({ epoch: 2, members: ['a', 'b'] });
const face = { vector: [1, 0] };

describe('IdentitiesService placement', () => {
  it('writes each identity of a batch to its ring owner, stamped with the ring epoch', async () => {
    const { service, written, refreshes } = setup({ gatewayRing: newRing, storeRing: newRing });
    const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const result = await service.upsertBatch('people', ids.map((identityId) => ({ identityId, faces: [face] })));
    expect(result).toMatchObject({ upserted: 40, failed: [], ringEpoch: 2 });
    expect(refreshes).toEqual([]);
    for (const [shardId, got] of written) for (const id of got) expect(newRing.ownerOf(id)).toBe(shardId);
    expect([...written.values()].flat().sort()).toEqual([...ids].sort());
  });

  it('re-reads the ring and places again when a shard knows a newer epoch (single write)', async () => {
    const { service, written, refreshes } = setup({ gatewayRing: oldRing, storeRing: newRing });
    const id = Array.from({ length: 50 }, (_, i) => `q${i}`).find((x) => newRing.ownerOf(x) === 'b')!;
    const result = await service.upsert('people', id, { faces: [face] });
    expect(refreshes).toEqual([2]);
    expect(result).toMatchObject({ shardId: 'b', ringEpoch: 2 });
    expect(written.get('b')).toEqual([id]);
  });

  it('re-places only the refused part of a batch and reports other failures as they are', async () => {
    // The gateway places by epoch 1 over a, b, c. Shard a already knows epoch 2 and refuses
    // (RING_CHANGED); b has not heard of it yet and accepts; c is down. Only a's part may be
    // placed again (by the new ring, where a and b own everything); c's part fails as it failed.
    const gatewayRing = new RingRouting({ epoch: 1, members: ['a', 'b', 'c'] });
    const { service, written, refreshes } = setup({
      gatewayRing,
      storeRing: newRing,
      downShards: ['c'],
      shardEpochs: { a: 2, b: 1 },
    });
    const ids = Array.from({ length: 60 }, (_, i) => `r${i}`);
    const ownedBy = (ring: RingRouting, shardId: string) => ids.filter((id) => ring.ownerOf(id) === shardId);
    const [refused, accepted, onDown] = [ownedBy(gatewayRing, 'a'), ownedBy(gatewayRing, 'b'), ownedBy(gatewayRing, 'c')];
    expect(refused.length * accepted.length * onDown.length).toBeGreaterThan(0);

    const result = await service.upsertBatch('people', ids.map((identityId) => ({ identityId, faces: [face] })));
    expect(refreshes).toEqual([2]);
    expect(result.ringEpoch).toBe(2);
    expect(result.upserted).toBe(refused.length + accepted.length);
    expect(result.failed.map((f) => f.identityId).sort()).toEqual([...onDown].sort());
    expect(result.failed.every((f) => f.error.code === 'SHARD_UNAVAILABLE' && f.error.retryable)).toBe(true);
    // b's part went once (not again after the refresh); a's part went to its new-ring owners.
    const sent = [...written.values()].flat();
    for (const id of accepted) expect(sent.filter((x) => x === id)).toHaveLength(1);
    for (const id of refused) expect(written.get(newRing.ownerOf(id))).toContain(id);
    expect(sent.sort()).toEqual([...refused, ...accepted].sort());
  });

  it('never redirects a write away from a down owner: its identities fail with a retryable error', async () => {
    const { service, written } = setup({ gatewayRing: newRing, storeRing: newRing, downShards: ['b'] });
    const ids = Array.from({ length: 30 }, (_, i) => `s${i}`);
    const result = await service.upsertBatch('people', ids.map((identityId) => ({ identityId, faces: [face] })));
    const failed = result.failed.map((f) => f.identityId).sort();
    expect(failed).toEqual(ids.filter((id) => newRing.ownerOf(id) === 'b').sort());
    expect(result.failed.every((f) => f.error.code === 'SHARD_UNAVAILABLE' && f.error.retryable)).toBe(true);
    expect(written.get('b')).toBeUndefined();
    expect(written.get('a')!.sort()).toEqual(ids.filter((id) => newRing.ownerOf(id) === 'a').sort());
  });

  it('rejects a batch with a duplicate id or an invalid entry before writing anything', async () => {
    const { service, written } = setup({ gatewayRing: newRing, storeRing: newRing });
    await expect(
      service.upsertBatch('people', [
        { identityId: 'x', faces: [face] },
        { identityId: 'x', faces: [face] },
      ]),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      service.upsertBatch('people', [
        { identityId: 'ok', faces: [face] },
        { identityId: 'bad', faces: [{ vector: [1, 2, 3] }] },
      ]),
    ).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' });
    expect(written.size).toBe(0);
  });

  it('during a move the old owner takes each write and versions it, the new owner applies that version; acknowledged only when both took it', async () => {
    // Ring state of a join in its migrate stage: reads by [a], writes by [a] and [a, b].
    const moving = new RingRouting({
      epoch: 3,
      members: ['a'],
      memberStates: [{ shardId: 'b', state: 'joining' }],
      move: { id: 'm', from: ['a'], to: ['a', 'b'], stage: 'migrate-identities', startedAt: '2026-01-01T00:00:00Z' },
    });
    const target = new RingRouting({ epoch: 3, members: ['a', 'b'] });
    const ids = Array.from({ length: 40 }, (_, i) => `d${i}`);
    const toB = ids.filter((id) => target.ownerOf(id) === 'b');
    expect(toB.length).toBeGreaterThan(0);

    const ok = setup({ gatewayRing: moving, storeRing: moving });
    const result = await ok.service.upsertBatch('people', ids.map((identityId) => ({ identityId, faces: [face] })));
    expect(result).toMatchObject({ upserted: 40, faces: 40, failed: [] });
    expect(ok.written.get('a')!.sort()).toEqual([...ids].sort());
    // The new owner never assigns a version of its own: it applies the old owner's copy.
    expect(ok.written.get('b')).toBeUndefined();
    expect(ok.applied.get('b')!.map((e) => e.identityId).sort()).toEqual([...toB].sort());
    for (const id of toB) expect(ok.versions.get('b')!.get(id), id).toBe(ok.versions.get('a')!.get(id));

    // A single write and a delete the same way: both copies end on the old owner's version.
    await ok.service.upsert('people', toB[0], { faces: [face] } as never);
    expect(ok.versions.get('b')!.get(toB[0])).toBe(ok.versions.get('a')!.get(toB[0]));
    await ok.service.delete('people', toB[0]);
    expect(ok.versions.get('b')!.get(toB[0])).toBe(ok.versions.get('a')!.get(toB[0]));
    expect(ok.applied.get('b')!.at(-1)).toEqual({ identityId: toB[0], version: ok.versions.get('a')!.get(toB[0]) });

    // The new owner down: exactly the moving identities fail, although the old owner stored them.
    const down = setup({ gatewayRing: moving, storeRing: moving, downShards: ['b'] });
    const partial = await down.service.upsertBatch('people', ids.map((identityId) => ({ identityId, faces: [face] })));
    expect(partial.upserted).toBe(ids.length - toB.length);
    expect(partial.failed.map((f) => f.identityId).sort()).toEqual([...toB].sort());
  });
});
describe('IdentitiesService message sizes', () => {
  const ring = new RingRouting({ epoch: 1, members: ['a'] });
  const note = (bytes: number) => ({ note: 'x'.repeat(bytes) });

  it('splits a batch by encoded size: 600 identities with 4 KB of attributes each are all written', async () => {
    const { service, written, messages } = setup({ gatewayRing: ring, storeRing: ring });
    const entries = Array.from({ length: 600 }, (_, i) => ({ identityId: `m${i}`, faces: [face], attributes: note(4096) }));
    const result = await service.upsertBatch('people', entries);
    expect(result).toMatchObject({ upserted: 600, failed: [] });
    expect(written.get('a')).toHaveLength(600);
    expect(messages.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...messages)).toBeLessThanOrEqual(MAX_PAYLOAD);
  });

  it('fails only the identity too large for any message, with IDENTITY_TOO_LARGE (413), and writes the rest', async () => {
    const wide: CollectionSpec = { name: 'wide', dimension: 4096, metric: 'cosine' };
    const { service, written } = setup({ gatewayRing: ring, storeRing: ring });
    (service as unknown as { collections: { require: () => Promise<CollectionSpec> } }).collections.require = async () => wide;
    const vector = Array.from({ length: 4096 }, (_, i) => (i === 0 ? 1 : 0));
    const faces = (n: number) => Array.from({ length: n }, (_, i) => ({ faceId: `f${i}`, vector }));
    const result = await service.upsertBatch('wide', [
      { identityId: 'small', faces: faces(1) },
      { identityId: 'huge', faces: faces(64) }, // 64 x 16 KB of vectors: over 1 MiB on its own
    ]);
    expect(result.upserted).toBe(1);
    expect(result.failed).toEqual([{ identityId: 'huge', error: expect.objectContaining({ code: 'IDENTITY_TOO_LARGE', retryable: false }) }]);
    expect(written.get('a')).toEqual(['small']);
    await expect(service.upsert('wide', 'huge', { faces: faces(64) })).rejects.toMatchObject({ code: 'IDENTITY_TOO_LARGE', status: 413 });
  });

  it('refuses attributes over the limit before writing anything', async () => {
    const { service, written } = setup({ gatewayRing: ring, storeRing: ring });
    await expect(
      service.upsertBatch('people', [
        { identityId: 'ok', faces: [face], attributes: note(10) },
        { identityId: 'fat', faces: [face], attributes: note(9000) },
      ]),
    ).rejects.toMatchObject({ code: 'ATTRIBUTES_TOO_LARGE', status: 413 });
    await expect(service.upsert('people', 'fat', { faces: [face], attributes: note(9000) })).rejects.toMatchObject({ code: 'ATTRIBUTES_TOO_LARGE' });
    expect(written.size).toBe(0);
  });
});

describe('IdentitiesService face ids (retries are idempotent)', () => {
  function recording() {
    const sent: { identityId: string; faceIds: string[] }[] = [];
    const shards = {
      identityBytesPerMessage: () => MAX_PAYLOAD,
      write: async (_shardId: string, _op: string, req: ShardRequest<'upsert'>) => {
        for (const identity of req.identities) sent.push({ identityId: identity.identityId, faceIds: identity.faces.map((f) => f.faceId) });
        return { upserted: req.identities.length, faces: req.identities.reduce((n, i) => n + i.faces.length, 0) };
      },
    };
    const ring = { current: () => newRing, refresh: async () => newRing };
    const service = new IdentitiesService(config, { require: async () => collection } as never, ring as never, shards as never);
    return { service, sent };
  }

  it('derives a face id without one from the vector: a retried append names the same face, another vector another face', async () => {
    const { service, sent } = recording();
    await service.upsert('people', 'p', { mode: 'append', faces: [{ vector: [0.6, 0.8] }] });
    await service.upsert('people', 'p', { mode: 'append', faces: [{ vector: [0.6, 0.8] }] }); // the retry
    await service.upsertBatch('people', [{ identityId: 'p', mode: 'append', faces: [{ vector: [0.6, 0.8] }, { vector: [0.8, 0.6] }] }]);
    const [first, retry, batch] = sent;
    expect(first.faceIds[0]).toMatch(/^f-[0-9a-f]{32}$/);
    expect(retry.faceIds).toEqual(first.faceIds);
    expect(batch.faceIds[0]).toBe(first.faceIds[0]);
    expect(batch.faceIds[1]).not.toBe(first.faceIds[0]);
  });

  it('keeps one face for a vector sent twice in one request, and still refuses a repeated explicit face id', async () => {
    const { service, sent } = recording();
    await service.upsert('people', 'q', { faces: [{ vector: [1, 0] }, { vector: [1, 0] }] });
    expect(sent[0].faceIds).toHaveLength(1);
    await expect(service.upsert('people', 'q', { faces: [{ faceId: 'a', vector: [1, 0] }, { faceId: 'a', vector: [0, 1] }] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
