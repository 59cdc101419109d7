import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call, sleep } from '../support/cluster-harness';
import { randomUnitVectors } from '../support/vectors';

/**
 * The no-configuration default: gateway and shards in one process, in-process transport,
 * metadata in a local file. No NATS, no Redis. Data survives a restart.
 */
describe('embedded single-process platform', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-embedded-'));
  const env = { DATA_DIR: dataDir, PORT: '0', EMBEDDED_SHARDS: '2' };
  let platform: RunningPlatform | undefined;
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the API with no NATS_URL, and keeps its data across a restart', async () => {
    const config = readGatewayConfig(env);
    expect(config.role).toBe('embedded');
    platform = await startPlatform(config, env);
    const url = platform.gateway.url;
    expect((await call(url, 'POST', '/v1/collections', { name: 'faces', dimension: 8 })).status).toBe(201);
    const vectors = randomUnitVectors(200, 8, 11);
    const identities = vectors.map((v, i) => ({ identityId: `e${i}`, faces: [{ vector: Array.from(v) }] }));
    expect((await call(url, 'POST', '/v1/collections/faces/identities/batch', { identities })).body.upserted).toBe(200);
    const shardsBefore = platform.shards.map((s) => s.shardId).sort();
    expect(shardsBefore).toHaveLength(2);

    await platform.close();
    platform = await startPlatform(readGatewayConfig(env), env);
    const again = platform.gateway.url;
    expect(platform.shards.map((s) => s.shardId).sort()).toEqual(shardsBefore); // stable shard ids
    const status = (await call(again, 'GET', '/v1/cluster')).body;
    expect(status.members).toHaveLength(2);
    const total = status.members.reduce((n: number, m: any) => n + m.collections.find((c: any) => c.name === 'faces').identities, 0);
    expect(total).toBe(200);
    const res = await call(again, 'POST', '/v1/collections/faces/search', { vector: Array.from(vectors[17]), k: 1 });
    expect(res.body.hits[0].identityId).toBe('e17');
    expect(res.body.partial).toBe(false);
  });

  it('publishes the collections its shards hold again when the metadata file was lost while it was down', async () => {
    await platform!.close();
    platform = undefined;
    rmSync(join(dataDir, 'cluster.json'));
    platform = await startPlatform(readGatewayConfig(env), env);
    const url = platform.gateway.url;
    // The first shard back is alone on the re-created ring (active); the second finds it there and
    // joins by a move that merges by version (nothing to stream here): wait until both serve.
    for (let waited = 0; ; waited += 100) {
      const status = (await call(url, 'GET', '/v1/cluster')).body;
      if (!status.move && status.readMembers?.length === 2) break;
      if (waited > 30_000) throw new Error(`the shards did not both come back: ${JSON.stringify(status)}`);
      await sleep(100);
    }
    const collection = await call(url, 'GET', '/v1/collections/faces');
    expect(collection.status).toBe(200);
    expect(collection.body).toMatchObject({ name: 'faces', dimension: 8 });
    expect((await call(url, 'GET', '/v1/collections/faces/identities/e17')).status).toBe(200);
    const vectors = randomUnitVectors(200, 8, 11);
    const res = await call(url, 'POST', '/v1/collections/faces/search', { vector: Array.from(vectors[42]), k: 1 });
    expect(res.body.hits[0].identityId).toBe('e42');
  });

  it('refuses to start fewer shards than hold data (EMBEDDED_SHARDS lowered), saying how to go down, and starts again with the count it had', async () => {
    await platform!.close();
    platform = undefined;
    const fewer = { ...env, EMBEDDED_SHARDS: '1' };
    await expect(startPlatform(readGatewayConfig(fewer), fewer)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/EMBEDDED_SHARDS=1 would leave shards\/1 .*Start with EMBEDDED_SHARDS=2/) });
    platform = await startPlatform(readGatewayConfig(env), env); // the refusal left nothing open (the data folder's locks)
    const res = await call(platform.gateway.url, 'POST', '/v1/collections/faces/search', { vector: Array.from(randomUnitVectors(200, 8, 11)[3]), k: 1 });
    expect(res.body).toMatchObject({ partial: false });
    expect(res.body.hits[0].identityId).toBe('e3');
  });
});
