import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call } from '../support/cluster-harness';

const CONFIGURED_ADMIN = 'test-configured-admin-key-' + 'x'.repeat(20);
const vec = (x: number) => ({ faces: [{ vector: [x, 1 - x, 0, 0] }] });

/** The real embedded platform (in-process shards, local metadata files) with API keys on. */
describe('API keys on the embedded platform', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-access-'));
  // FACE_PRELOAD=false: these tests check access, not faces; loading the ONNX models would only slow every start.
  const env = { DATA_DIR: dataDir, PORT: '0', FACESHARD_AUTH: 'on', FACE_PRELOAD: 'false' };
  let platform: RunningPlatform | undefined;
  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const as = (key: string | undefined, method: string, path: string, body?: unknown) =>
    call(platform!.gateway.url, method, path, body, key ? { 'x-api-key': key } : {});

  let admin = '';
  it('issues the first admin key on the first start only, and it keeps working after a restart', async () => {
    platform = await startPlatform(readGatewayConfig(env), env);
    admin = platform.gateway.firstAdminKey!;
    expect(admin).toMatch(/^fsk_[0-9a-f]{16}_/);
    expect((await as(admin, 'GET', '/v1/keys')).status).toBe(200);
    await platform.close();
    platform = await startPlatform(readGatewayConfig(env), env);
    expect(platform.gateway.firstAdminKey).toBeUndefined();
    expect((await as(admin, 'GET', '/v1/keys')).status).toBe(200);
  });

  it('answers 401 UNAUTHORIZED for a missing or wrong key, in the error shape, and accepts Bearer', async () => {
    const missing = await as(undefined, 'GET', '/v1/collections');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
    expect(missing.body.message).toMatch(/X-Api-Key/);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await as(admin.slice(0, -2) + (admin.endsWith('AA') ? 'BB' : 'AA'), 'GET', '/v1/collections');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('UNAUTHORIZED');
    expect((await as('some-random-string', 'GET', '/v1/collections')).status).toBe(401);
    const bearer = await call(platform!.gateway.url, 'GET', '/v1/collections', undefined, { authorization: `Bearer ${admin}` });
    expect(bearer.status).toBe(200);
  });

  it('keeps health, /docs and /openapi.json open', async () => {
    expect((await as(undefined, 'GET', '/health')).status).toBe(200);
    expect((await as(undefined, 'GET', '/openapi.json')).status).toBe(200);
    expect((await fetch(platform!.gateway.url + '/docs')).status).toBe(200);
  });

  it('enforces roles and collection scopes: 403 FORBIDDEN', async () => {
    for (const name of ['alpha', 'beta']) expect((await as(admin, 'POST', '/v1/collections', { name, dimension: 4 })).status).toBe(201);
    const reader = (await as(admin, 'POST', '/v1/keys', { name: 'reader', role: 'read', collections: ['alpha'] })).body.key;
    const writer = (await as(admin, 'POST', '/v1/keys', { name: 'writer', role: 'write', collections: ['alpha'] })).body.key;

    expect((await as(writer, 'PUT', '/v1/collections/alpha/identities/p1', vec(0.2))).status).toBe(200);
    const readerWrites = await as(reader, 'PUT', '/v1/collections/alpha/identities/p2', vec(0.3));
    expect(readerWrites.status).toBe(403);
    expect(readerWrites.body).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect((await as(reader, 'DELETE', '/v1/collections/alpha/identities/p1')).status).toBe(403);
    expect((await as(reader, 'POST', '/v1/collections/alpha/search', { vector: [0.2, 0.8, 0, 0], k: 1 })).body.hits[0].identityId).toBe('p1');

    // scoped to alpha: beta is out of reach, whatever the role
    expect((await as(writer, 'PUT', '/v1/collections/beta/identities/p1', vec(0.2))).status).toBe(403);
    expect((await as(reader, 'POST', '/v1/collections/beta/search', { vector: [0.2, 0.8, 0, 0] })).status).toBe(403);
    expect((await as(reader, 'GET', '/v1/collections/beta')).status).toBe(403);
    expect((await as(reader, 'GET', '/v1/collections')).body.collections.map((c: any) => c.name)).toEqual(['alpha']);

    // admin-only: collections, keys, cluster
    expect((await as(writer, 'POST', '/v1/collections', { name: 'gamma', dimension: 4 })).status).toBe(403);
    expect((await as(writer, 'DELETE', '/v1/collections/alpha')).status).toBe(403);
    expect((await as(writer, 'GET', '/v1/keys')).status).toBe(403);
    expect((await as(writer, 'GET', '/v1/cluster')).status).toBe(403);
    expect((await as(admin, 'GET', '/v1/cluster')).status).toBe(200);
  });

  it('an admin key scoped to one collection cannot manage keys (it could mint itself a wider one)', async () => {
    const scopedAdmin = (await as(admin, 'POST', '/v1/keys', { name: 'alpha-admin', role: 'admin', collections: ['alpha'] })).body.key;
    expect((await as(scopedAdmin, 'DELETE', '/v1/collections/beta')).status).toBe(403);
    expect((await as(scopedAdmin, 'POST', '/v1/keys', { name: 'x', role: 'admin', collections: ['*'] })).status).toBe(403);
  });

  it('lets an admin create, list and delete keys; the list shows no secret or hash; a deleted key is refused', async () => {
    const created = await as(admin, 'POST', '/v1/keys', { name: 'temp', role: 'read', collections: ['*'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'temp', role: 'read', collections: ['*'] });
    expect((await as(created.body.key, 'GET', '/v1/collections')).status).toBe(200);
    const listed = await as(admin, 'GET', '/v1/keys');
    expect(listed.body.keys.map((k: any) => k.name)).toContain('temp');
    expect(JSON.stringify(listed.body)).not.toMatch(/fsk_|"hash"/);
    expect((await as(admin, 'DELETE', `/v1/keys/${created.body.id}`)).body).toEqual({ deleted: true });
    expect((await as(created.body.key, 'GET', '/v1/collections')).status).toBe(401);
    expect((await as(admin, 'DELETE', `/v1/keys/${created.body.id}`)).body.code).toBe('KEY_NOT_FOUND');
  });

  it('validates key requests with 400 VALIDATION_FAILED', async () => {
    for (const body of [
      { name: 'x', role: 'root', collections: ['*'] },
      { name: 'x', role: 'read', collections: [] },
      { name: 'x', role: 'read', collections: ['*', 'alpha'] },
      { name: 'x', role: 'read', collections: ['bad name!'] },
      { role: 'read', collections: ['*'] },
    ]) {
      const res = await as(admin, 'POST', '/v1/keys', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses to start on a non-loopback HOST when no key exists any more, and FACESHARD_AUTH=off there', async () => {
    // With the configured key as a way in, delete every stored key (the last admin key included).
    await platform!.close();
    platform = await startPlatform(readGatewayConfig({ ...env, FACESHARD_ADMIN_KEY: CONFIGURED_ADMIN }), env);
    for (const key of (await as(CONFIGURED_ADMIN, 'GET', '/v1/keys')).body.keys) {
      expect((await as(CONFIGURED_ADMIN, 'DELETE', `/v1/keys/${key.id}`)).status).toBe(200);
    }
    await platform.close();
    platform = undefined;
    const open = { ...env, HOST: '0.0.0.0', FACESHARD_AUTH: '' };
    await expect(startPlatform(readGatewayConfig(open), open)).rejects.toThrow(/refusing to start: API keys are required .* no API key exists/);
    expect(() => readGatewayConfig({ ...open, FACESHARD_AUTH: 'off' })).toThrow(/refusing to start: FACESHARD_AUTH=off on HOST=0.0.0.0/);
    // and the data dir was not left locked: it starts again once a key is configured
    platform = await startPlatform(readGatewayConfig({ ...open, FACESHARD_ADMIN_KEY: CONFIGURED_ADMIN }), open);
    expect((await call(platform.gateway.url.replace('0.0.0.0', '127.0.0.1'), 'GET', '/v1/keys', undefined, { 'x-api-key': CONFIGURED_ADMIN })).body.keys).toEqual([]);
  });
});
