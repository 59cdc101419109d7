import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardEf } from '@faceshard/query';
import { RingPlacement } from '@faceshard/ring';
import { call, TestCluster } from '../support/cluster-harness';
import { exactTopK, randomUnitVectors } from '../support/vectors';

/**
 * A real cluster: three shard processes and a gateway process on the real NATS server.
 * Ingest, placement, fan-out search against brute force, delete, and input validation.
 */
const DIM = 32;
const COUNT = 3_000;
const ids = Array.from({ length: COUNT }, (_, i) => `person-${i}`);
const vectors = randomUnitVectors(COUNT, DIM, 42);
const gallery = new Map(ids.map((id, i) => [id, vectors[i]]));
const shardIds = ['shard-a', 'shard-b', 'shard-c'];

describe('cluster over NATS: ingest, search, delete', () => {
  const cluster = new TestCluster();
  let url = '';

  beforeAll(async () => {
    await Promise.all(shardIds.map((id) => cluster.startShard(id)));
    url = await cluster.startGateway();
    await cluster.waitForMembers(shardIds);
    expect((await call(url, 'POST', '/v1/collections', { name: 'people', dimension: DIM })).status).toBe(201);
    for (let start = 0; start < COUNT; start += 500) {
      const identities = ids.slice(start, start + 500).map((identityId, j) => ({
        identityId,
        attributes: { n: start + j },
        faces: [{ faceId: 'f0', vector: Array.from(vectors[start + j]) }],
      }));
      const res = await call(url, 'POST', '/v1/collections/people/identities/batch', { identities });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.upserted).toBe(identities.length);
    }
  });

  afterAll(() => cluster.stop());

  it('places every identity on its ring owner and counts add up', async () => {
    const status = (await call(url, 'GET', '/v1/cluster')).body;
    expect(status.members.map((m: any) => m.shardId).sort()).toEqual(shardIds);
    const ring = new RingPlacement({ epoch: status.ringEpoch, members: status.members.map((m: any) => m.shardId) });
    const expected = new Map<string, number>();
    for (const id of ids) expected.set(ring.ownerOf(id), (expected.get(ring.ownerOf(id)) ?? 0) + 1);
    for (const member of status.members) {
      const people = member.collections.find((c: any) => c.name === 'people');
      expect(people.identities).toBe(expected.get(member.shardId));
    }
    for (const id of ids.slice(0, 30)) {
      const got = await call(url, 'GET', `/v1/collections/people/identities/${id}`);
      expect(got.status).toBe(200);
      expect(got.body.shardId).toBe(ring.ownerOf(id));
      expect(got.body.faceIds).toEqual(['f0']);
    }
  });

  it('merges per-shard answers into the global top-k (checked against brute force)', async () => {
    const probes = randomUnitVectors(50, DIM, 7);
    let found = 0;
    for (const probe of probes) {
      const res = await call(url, 'POST', '/v1/collections/people/search', { vector: Array.from(probe), k: 10, ef: 200 });
      expect(res.status).toBe(200);
      expect(res.body.partial).toBe(false);
      // ef 200 is the whole collection's: each of the shards searched its share with less, and says so.
      expect(res.body.shardEf).toEqual(Object.fromEntries(shardIds.map((id) => [id, shardEf(200, shardIds.length)])));
      const got: string[] = res.body.hits.map((h: any) => h.identityId);
      expect(new Set(got).size).toBe(got.length);
      const scores: number[] = res.body.hits.map((h: any) => h.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const truth = new Set(exactTopK(probe, gallery, 10));
      found += got.filter((id) => truth.has(id)).length;
    }
    expect(found / (probes.length * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('filters by attributes across the shards: only matching identities, the top k of them (checked against brute force)', async () => {
    // One identity in ten, by its attribute n: the filter runs inside each shard's HNSW walk.
    const wanted = Array.from({ length: COUNT / 10 }, (_, i) => i * 10 + 3);
    const subset = new Map(wanted.map((n) => [ids[n]!, vectors[n]!]));
    const probes = randomUnitVectors(20, DIM, 8);
    let found = 0;
    for (const probe of probes) {
      const res = await call(url, 'POST', '/v1/collections/people/search', { vector: Array.from(probe), k: 10, ef: 400, filter: { n: wanted } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const got: string[] = res.body.hits.map((h: any) => h.identityId);
      expect(got).toHaveLength(10);
      for (const hit of res.body.hits) expect(wanted, hit.identityId).toContain(hit.attributes.n);
      const truth = new Set(exactTopK(probe, subset, 10));
      found += got.filter((id) => truth.has(id)).length;
    }
    expect(found / (probes.length * 10)).toBeGreaterThanOrEqual(0.95);
    const bad = await call(url, 'POST', '/v1/collections/people/search', { vector: Array.from(probes[0]), filter: { n: { $gt: 3 } } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('filter.n') });
  });

  it('finds an enrolled vector as its own best match, with its attributes', async () => {
    const res = await call(url, 'POST', '/v1/collections/people/search', { vector: Array.from(vectors[123]), k: 3 });
    expect(res.body.hits[0]).toMatchObject({ identityId: 'person-123', faceId: 'f0', attributes: { n: 123 } });
    expect(res.body.hits[0].score).toBeCloseTo(1, 4);
  });

  it('deletes an identity: gone from search and from reads, others untouched', async () => {
    expect((await call(url, 'DELETE', '/v1/collections/people/identities/person-123')).status).toBe(200);
    expect((await call(url, 'GET', '/v1/collections/people/identities/person-123')).status).toBe(404);
    const res = await call(url, 'POST', '/v1/collections/people/search', { vector: Array.from(vectors[123]), k: 5 });
    expect(res.body.hits.map((h: any) => h.identityId)).not.toContain('person-123');
    expect((await call(url, 'GET', '/v1/collections/people/identities/person-124')).status).toBe(200);
    expect((await call(url, 'DELETE', '/v1/collections/people/identities/person-123')).body.code).toBe('IDENTITY_NOT_FOUND');
  });

  it('answers per person: several faces of one identity give one hit, with the best face', async () => {
    const base = vectors[500];
    const far = vectors[501].map((x) => -x);
    const put = await call(url, 'PUT', '/v1/collections/people/identities/multi-face', {
      faces: [
        { faceId: 'near', vector: Array.from(base) },
        { faceId: 'far', vector: Array.from(far) },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const res = await call(url, 'POST', '/v1/collections/people/search', { vector: Array.from(base), k: 10 });
    const mine = res.body.hits.filter((h: any) => h.identityId === 'multi-face');
    expect(mine).toHaveLength(1);
    expect(mine[0].faceId).toBe('near');
  });

  it('takes a full batch of wide vectors that is larger than one NATS message per shard', async () => {
    const wide = 1024; // 1000 identities x 4 KiB: each of the 3 shards' parts is over NATS's 1 MiB as one message
    expect((await call(url, 'POST', '/v1/collections', { name: 'wide', dimension: wide })).status).toBe(201);
    const vectors = randomUnitVectors(1000, wide, 99);
    const identities = vectors.map((v, i) => ({ identityId: `w${i}`, faces: [{ vectorB64: Buffer.from(v.buffer).toString('base64') }] }));
    const res = await call(url, 'POST', '/v1/collections/wide/identities/batch', { identities });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    expect(res.body.upserted).toBe(1000);
    const hit = await call(url, 'POST', '/v1/collections/wide/search', { vector: Array.from(vectors[321]), k: 1 });
    expect(hit.body.hits[0].identityId).toBe('w321');
  });

  it('rejects bad input with a status, a machine-readable code and a message, storing nothing', async () => {
    const before = (await call(url, 'GET', '/v1/cluster')).body;
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/collections/people/search', { vector: [1, 2, 3] }, 400, 'DIMENSION_MISMATCH'],
      ['POST', '/v1/collections/nobody/search', { vector: Array(DIM).fill(0.1) }, 404, 'COLLECTION_NOT_FOUND'],
      ['PUT', '/v1/collections/people/identities/bad%20id', { faces: [{ vector: Array(DIM).fill(0.1) }] }, 400, 'INVALID_ID'],
      ['PUT', '/v1/collections/people/identities/x', { faces: [{ vectorB64: Buffer.from(new Float32Array(DIM).fill(NaN).buffer).toString('base64') }] }, 400, 'INVALID_VECTOR'],
      ['PUT', '/v1/collections/people/identities/x', { faces: [{ vector: ['a'] }] }, 400, 'VALIDATION_FAILED'],
      ['PUT', '/v1/collections/people/identities/x', { faces: [] }, 400, 'VALIDATION_FAILED'],
      ['POST', '/v1/collections/people/search', '{"vector": [1,', 400, 'INVALID_JSON'],
      ['POST', '/v1/collections', { name: 'people', dimension: DIM + 1 }, 409, 'COLLECTION_EXISTS'],
      ['POST', '/v1/collections', { name: 'ok', dimension: 0 }, 400, 'VALIDATION_FAILED'],
      [
        'POST',
        '/v1/collections/people/identities/batch',
        { identities: Array.from({ length: 1001 }, (_, i) => ({ identityId: `b${i}`, faces: [{ vector: Array(DIM).fill(0.1) }] })) },
        413,
        'BATCH_TOO_LARGE',
      ],
    ];
    for (const [method, path, body, status, code] of cases) {
      const res = await call(url, method, path, body);
      expect({ path, status: res.status, code: res.body?.code }).toEqual({ path, status, code });
      expect(typeof res.body.message).toBe('string');
    }
    const after = (await call(url, 'GET', '/v1/cluster')).body;
    expect(after.members.map((m: any) => m.collections)).toEqual(before.members.map((m: any) => m.collections));
  });
});
