import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { encodeBase64Floats } from '../../apps/gateway/src/common/vector-input';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call } from '../support/cluster-harness';
import { randomUnitVectors } from '../support/vectors';

/**
 * Shard admission control through the whole stack (embedded platform, real store, real fsync):
 * with one write running and one queued at most, a batch whose part for the shard is split
 * into four messages (all sent at once) gets two of them refused with a retryable BUSY,
 * reported per identity; nothing refused is stored, everything acknowledged is.
 */
describe('shard admission control (embedded platform)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-admission-'));
  const env = {
    DATA_DIR: dataDir, PORT: '0', EMBEDDED_SHARDS: '1', SHARD_MAX_CONCURRENT_WRITES: '1', SHARD_MAX_QUEUED_WRITES: '1',
    // Decoding the 3 MB batch may hold this busy 2-core machine's loop past the default 3 s;
    // liveness is not what this test is about.
    SHARD_DOWN_AFTER_MS: '60000',
  };
  let platform: RunningPlatform | undefined;
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses writes beyond the bounded queue with BUSY (retryable, retryAfterMs), and stores exactly what it acknowledged', async () => {
    platform = await startPlatform(readGatewayConfig(env), env);
    const url = platform.gateway.url;
    expect((await call(url, 'POST', '/v1/collections', { name: 'wide', dimension: 1024 })).status).toBe(201);
    // 800 x 1024-D float32 = 3.3 MB: four messages under the 1 MiB payload limit.
    const identities = randomUnitVectors(800, 1024, 3).map((v, i) => ({ identityId: `w${i}`, faces: [{ faceId: 'f', vectorB64: encodeBase64Floats(v) }] }));
    const res = await call(url, 'POST', '/v1/collections/wide/identities/batch', { identities });
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(207);
    const busy = res.body.failed.filter((f: any) => f.error.code === 'BUSY');
    expect(busy.length).toBe(res.body.failed.length);
    expect(busy.length).toBeGreaterThanOrEqual(200);
    expect(busy[0].error).toMatchObject({ retryable: true, details: { retryAfterMs: 1000 } });
    expect(res.body.upserted + busy.length).toBe(800);

    const status = await call(url, 'GET', '/v1/cluster');
    expect(status.body.members[0].collections.find((c: any) => c.name === 'wide').identities).toBe(res.body.upserted);
    const refused = await call(url, 'GET', `/v1/collections/wide/identities/${busy[0].identityId}`);
    expect(refused.status).toBe(404);

    // Retrying the refused ones (as retryAfterMs says) stores them.
    const retry = identities.filter((identity) => busy.some((f: any) => f.identityId === identity.identityId));
    const again = await call(url, 'POST', '/v1/collections/wide/identities/batch', { identities: retry.slice(0, 100) });
    expect(again.body).toMatchObject({ upserted: 100, failed: [] });
  }, 60_000);
});
