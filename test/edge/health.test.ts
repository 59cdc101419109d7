import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call, sleep } from '../support/cluster-harness';

/** The probes on the embedded platform: live at once, ready once the shards have been heard. */
describe('health probes (embedded platform)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-health-'));
  const env = { DATA_DIR: dataDir, PORT: '0', EMBEDDED_SHARDS: '2', HEARTBEAT_EVERY_MS: '200' };
  let platform: RunningPlatform | undefined;
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers live, then ready with its checks (503 NOT_READY in the error shape until then); /health still answers', async () => {
    platform = await startPlatform(readGatewayConfig(env), env);
    const url = platform.gateway.url;
    expect(await call(url, 'GET', '/health/live')).toMatchObject({ status: 200, body: { status: 'live' } });
    let ready = await call(url, 'GET', '/health/ready');
    for (let i = 0; i < 50 && ready.status !== 200; i++) {
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ code: 'NOT_READY', retryable: true, details: { checks: expect.any(Object) } });
      await sleep(100);
      ready = await call(url, 'GET', '/health/ready');
    }
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { metadata: { ok: true }, shards: { ok: true, detail: '2 of 2 shard(s) up' } } });
    expect((await call(url, 'GET', '/health')).status).toBe(200);
  });
});
