import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call } from '../support/cluster-harness';
import { randomUnitVectors } from '../support/vectors';

/**
 * A shard's search reply must fit one message (1 MiB): k hits, each with its attributes. The
 * edge bounds both (attributes per identity, k by what a reply can carry); and if a reply is
 * too large anyway (identities stored under a larger limit), that shard's part is reported
 * missing with REPLY_TOO_LARGE instead of failing the whole search with a 500.
 */
describe('search reply sizes (embedded platform, 2 shards)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-reply-size-'));
  const base = { DATA_DIR: dataDir, PORT: '0', EMBEDDED_SHARDS: '2' };
  let platform: RunningPlatform | undefined;
  const start = async (env: Record<string, string>) => {
    platform = await startPlatform(readGatewayConfig(env), env);
    return platform.gateway.url;
  };
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('bounds k by k x attributes, and reports an oversize reply as a missing shard, not a 500', async () => {
    // Enrol 240 people; then give 16 KB of attributes (allowed by the configuration then) to
    // those on ONE shard, so that only that shard's reply can outgrow a message later.
    let url = await start({ ...base, MAX_ATTRIBUTES_BYTES: String(16 * 1024) });
    expect((await call(url, 'POST', '/v1/collections', { name: 'fat', dimension: 8 })).status).toBe(201);
    const vectors = randomUnitVectors(240, 8, 5);
    const entries = vectors.map((v, i) => ({ identityId: `f${i}`, faces: [{ faceId: 'f', vector: Array.from(v) }] }));
    expect((await call(url, 'POST', '/v1/collections/fat/identities/batch', { identities: entries })).body).toMatchObject({ upserted: 240 });
    const owners = await Promise.all(entries.map(async (e) => (await call(url, 'GET', `/v1/collections/fat/identities/${e.identityId}`)).body.shardId as string));
    const fatShard = owners[0];
    const onFatShard = entries.filter((_, i) => owners[i] === fatShard);
    expect(onFatShard.length).toBeGreaterThan(70);
    const note = 'n'.repeat(16 * 1024 - 20);
    for (let from = 0; from < onFatShard.length; from += 50) {
      const identities = onFatShard.slice(from, from + 50).map((e) => ({ ...e, attributes: { note } }));
      expect((await call(url, 'POST', '/v1/collections/fat/identities/batch', { identities })).body).toMatchObject({ failed: [] });
    }
    // Under that limit, k is bounded so that k full hits fit one reply.
    const bounded = await call(url, 'POST', '/v1/collections/fat/search', { vector: Array.from(vectors[0]), k: 200 });
    expect(bounded.status).toBe(400);
    expect(bounded.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { max: expect.any(Number) } });
    const maxK = bounded.body.details.max as number;
    expect(maxK).toBeLessThan(70);
    const full = await call(url, 'POST', '/v1/collections/fat/search', { vector: Array.from(vectors[0]), k: maxK });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ partial: false, missingShards: [] });
    expect(full.body.hits).toHaveLength(maxK);

    // The operator lowers the limit: k may now be larger, but stored attributes are still 16 KB.
    await platform!.close();
    url = await start({ ...base, MAX_ATTRIBUTES_BYTES: '1024' });
    const res = await call(url, 'POST', '/v1/collections/fat/search', { vector: Array.from(vectors[0]), k: 150 });
    expect(res.status).toBe(200);
    expect(res.body.partial).toBe(true);
    expect(res.body.missingShards).toEqual([{ shardId: fatShard, code: 'REPLY_TOO_LARGE' }]);
    expect(res.body.hits.length).toBeGreaterThan(0);
    expect(res.body.hits.every((h: any) => h.shardId !== fatShard)).toBe(true);
  }, 60_000);
});
