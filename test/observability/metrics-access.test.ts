import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, readObservabilityConfig, createObservability, sumSamples } from '@faceshard/observability';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call } from '../support/cluster-harness';

const ADMIN = 'metrics-access-admin-key-' + 'z'.repeat(24);

async function start(extra: Record<string, string>): Promise<{ platform: RunningPlatform; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-metrics-access-'));
  const env = { DATA_DIR: dataDir, PORT: '0', FACESHARD_AUTH: 'on', FACESHARD_ADMIN_KEY: ADMIN, FACE_PRELOAD: 'false', LOG_LEVEL: 'warn', ...extra };
  const observability = createObservability(readObservabilityConfig(env), { role: 'embedded' });
  return { platform: await startPlatform(readGatewayConfig(env), env, observability), dataDir };
}

/** The embedded platform: who may read /metrics, what "off" means, and that its shard reports into the gateway's registry. */
describe('/metrics access (embedded platform)', () => {
  const running: { platform: RunningPlatform; dataDir: string }[] = [];
  afterAll(async () => {
    for (const r of running) {
      await r.platform.close();
      rmSync(r.dataDir, { recursive: true, force: true });
    }
  });

  it('is open by default even with API keys on, and includes the in-process shard', async () => {
    const r = await start({});
    running.push(r);
    const url = r.platform.gateway.url;
    expect((await call(url, 'POST', '/v1/collections', { name: 'c', dimension: 2 }, { 'x-api-key': ADMIN })).status).toBe(201);
    expect((await call(url, 'PUT', '/v1/collections/c/identities/a', { faces: [{ vector: [1, 0] }] }, { 'x-api-key': ADMIN })).status).toBe(200);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const samples = parsePrometheusText(await response.text());
    const shardId = r.platform.shards[0]!.shardId;
    expect(sumSamples(samples, 'faceshard_collection_identities', { shard: shardId, collection: 'c' })).toBe(1);
    expect(sumSamples(samples, 'faceshard_shard_ops_total', { shard: shardId, op: 'upsert', outcome: 'ok' })).toBe(1);
  });

  it('with METRICS_REQUIRE_KEY=true: 401 without a key, 403 for a key of some collections only, 200 for a key of all', async () => {
    const r = await start({ METRICS_REQUIRE_KEY: 'true' });
    running.push(r);
    const url = r.platform.gateway.url;
    expect((await call(url, 'POST', '/v1/collections', { name: 'c', dimension: 2 }, { 'x-api-key': ADMIN })).status).toBe(201);
    const scoped = await call(url, 'POST', '/v1/keys', { name: 'one', role: 'read', collections: ['c'] }, { 'x-api-key': ADMIN });
    const all = await call(url, 'POST', '/v1/keys', { name: 'all', role: 'read', collections: ['*'] }, { 'x-api-key': ADMIN });
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const forbidden = await fetch(`${url}/metrics`, { headers: { 'x-api-key': scoped.body.key } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${all.body.key}` } })).status).toBe(200);
  });

  it('with METRICS_ENABLED=false: 404, and requests still answered', async () => {
    const r = await start({ METRICS_ENABLED: 'false' });
    running.push(r);
    const url = r.platform.gateway.url;
    expect((await call(url, 'GET', '/health/live')).status).toBe(200);
    const off = await call(url, 'GET', '/metrics');
    expect(off.status).toBe(404);
    expect(off.body.message).toMatch(/METRICS_ENABLED=false/);
  });
});
