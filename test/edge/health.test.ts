import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call, sleep } from '../support/cluster-harness';
import { lfwPhoto, SHARED_ABSENT_REASON, SHARED_DIR, YUNET_MODEL } from '../vision/shared-fixtures';

/** Polls /health/ready until it answers 200 or `timeoutMs` passes; returns the last answer. */
async function readyWithin(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let ready = await call(url, 'GET', '/health/ready');
  while (ready.status !== 200 && Date.now() < deadline) {
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ code: 'NOT_READY', retryable: true, details: { checks: expect.any(Object) } });
    await sleep(100);
    ready = await call(url, 'GET', '/health/ready');
  }
  return ready;
}

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
    // The face models load in the background at start (a cold first load rebuilds the landmark graph).
    const ready = await readyWithin(url, 60_000);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      checks: { metadata: { ok: true }, shards: { ok: true, detail: '2 of 2 shard(s) up' }, models: { ok: true, detail: expect.stringMatching(/^loaded \(blazeface, /) } },
    });
    expect((await call(url, 'GET', '/health')).status).toBe(200);
  }, 90_000);
});

/**
 * A gateway whose face models cannot be loaded must not get traffic: every photo it took would
 * fail. Readiness says so (and why), photo routes answer 503 MODELS_UNAVAILABLE rather than 500,
 * and once the model file is in place a probe loads it and the gateway becomes ready.
 */
describe('health probes: face models that cannot be loaded', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-health-models-'));
  const detectorPath = join(dataDir, 'models', 'yunet.onnx');
  let platform: RunningPlatform | undefined;
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(!SHARED_DIR)(`a missing model file: not ready, photo routes 503 MODELS_UNAVAILABLE; ready once the file is there (${SHARED_DIR ? 'yunet from ../shared/models' : SHARED_ABSENT_REASON})`, async () => {
    const env = { DATA_DIR: join(dataDir, 'data'), PORT: '0', HEARTBEAT_EVERY_MS: '200', FACE_DETECTOR_MODEL: detectorPath };
    platform = await startPlatform(readGatewayConfig(env), env);
    const url = platform.gateway.url;
    const unready = await readyWithin(url, 5_000);
    expect(unready.status).toBe(503);
    expect(unready.body.details.checks.models).toMatchObject({ ok: false, detail: expect.stringContaining('yunet.onnx') });
    expect(unready.body.details.checks.shards).toMatchObject({ ok: true });

    const models = await call(url, 'GET', '/v1/models');
    expect(models.status).toBe(503);
    expect(models.body).toMatchObject({ code: 'MODELS_UNAVAILABLE', retryable: true, message: expect.stringContaining('yunet.onnx') });
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(readFileSync(lfwPhoto('Aaron_Peirsol', 1)))]), 'a.jpg');
    const detect = await fetch(`${url}/v1/detect`, { method: 'POST', body: form });
    expect(detect.status).toBe(503);
    expect(await detect.json()).toMatchObject({ code: 'MODELS_UNAVAILABLE' });

    mkdirSync(join(dataDir, 'models'), { recursive: true });
    copyFileSync(YUNET_MODEL, detectorPath);
    expect(existsSync(detectorPath)).toBe(true);
    const ready = await readyWithin(url, 30_000);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.models).toMatchObject({ ok: true, detail: expect.stringMatching(/^loaded \(yunet, /) });
  }, 90_000);

  it('FACE_PRELOAD=false: ready without the models (they load on the first photo)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceshard-health-lazy-'));
    const env = { DATA_DIR: dir, PORT: '0', HEARTBEAT_EVERY_MS: '200', FACE_PRELOAD: 'false' };
    const lazy = await startPlatform(readGatewayConfig(env), env);
    try {
      const ready = await readyWithin(lazy.gateway.url, 10_000);
      expect(ready.status).toBe(200);
      expect(ready.body.checks.models).toEqual({ ok: true, detail: 'loaded on the first photo (FACE_PRELOAD=false)' });
    } finally {
      await lazy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
