import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { TestCluster } from '../support/cluster-harness';
import { BAD_INPUTS, type BadInput } from './bad-input.corpus';

/** What the corpus must leave untouched: collections, one stored identity, per-shard counts, a search. */
async function storedState(url: string) {
  const get = async (path: string) => (await fetch(url + path)).json();
  const cluster = (await get('/v1/cluster')) as { members: { shardId: string; collections: unknown[] }[] };
  const search = await fetch(`${url}/v1/collections/people/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vector: [1, 0, 0, 0], k: 5 }),
  });
  const hits = ((await search.json()) as { hits: unknown[] }).hits;
  return {
    collections: await get('/v1/collections'),
    alice: await get('/v1/collections/people/identities/alice'),
    counts: cluster.members.map((m) => ({ shardId: m.shardId, collections: m.collections })),
    hits,
  };
}

async function seedFixture(url: string): Promise<void> {
  const send = async (method: string, path: string, body: unknown) => {
    const res = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
  };
  await send('POST', '/v1/collections', { name: 'people', dimension: 4 });
  await send('POST', '/v1/collections', { name: 'ipc', dimension: 4, metric: 'ip' });
  await send('PUT', '/v1/collections/people/identities/alice', { faces: [{ faceId: 'f1', vector: [1, 0, 0, 0] }], attributes: { team: 'ops' } });
  await send('PUT', '/v1/collections/people/identities/carol', { faces: [{ vector: [0, 1, 0, 0] }] });
  await send('PUT', '/v1/collections/ipc/identities/dave', { faces: [{ vector: [2, 0, 0, 0] }] });
}

async function send(url: string, input: BadInput): Promise<{ status: number; text: string }> {
  const raw = typeof input.body === 'string' || Buffer.isBuffer(input.body);
  const headers: Record<string, string> = {};
  if (input.body !== undefined) headers['content-type'] = input.contentType ?? 'application/json';
  const res = await fetch(url + input.path, {
    method: input.method,
    headers,
    body: input.body === undefined ? undefined : raw ? (input.body as string) : JSON.stringify(input.body),
  });
  return { status: res.status, text: await res.text() };
}

/** Bytes straight onto a socket, for requests fetch() will not send (bad framing, huge headers). */
function rawRequest(url: string, request: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.setTimeout(5000, () => socket.destroy());
  });
}

function expectErrorShape(text: string, code: string): void {
  const body = JSON.parse(text);
  expect(body).toMatchObject({ code, message: expect.any(String), retryable: expect.any(Boolean) });
  expect(Object.keys(body).every((key) => ['code', 'message', 'retryable', 'details'].includes(key))).toBe(true);
}

function describeCorpus(name: string, start: () => Promise<{ url: string; stop: () => Promise<void> }>): void {
  describe(`bad-input corpus against ${name}`, () => {
    let url = '';
    let stop: () => Promise<void> = async () => undefined;
    let before: Awaited<ReturnType<typeof storedState>>;
    beforeAll(async () => {
      ({ url, stop } = await start());
      await seedFixture(url);
      before = await storedState(url);
    }, 60_000);
    afterAll(() => stop());

    it.each(BAD_INPUTS.map((input) => [input.name, input] as const))('%s: answers 4xx with its code', async (_name, input) => {
      const { status, text } = await send(url, input);
      expect({ status, text: text.slice(0, 300) }).toMatchObject({ status: input.status });
      expectErrorShape(text, input.code);
      if (input.message !== undefined) expect(JSON.parse(text).message).toBe(input.message);
    });

    it('refuses a malformed Content-Length and oversize headers in the same error shape', async () => {
      const badLength = await rawRequest(url, 'POST /v1/collections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}');
      expect(badLength.status).toBe(400);
      expectErrorShape(badLength.body, 'VALIDATION_FAILED');
      const bigHeaders = await rawRequest(url, `GET /v1/cluster HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(40 * 1024)}\r\n\r\n`);
      expect(bigHeaders.status).toBe(431);
      expectErrorShape(bigHeaders.body, 'PAYLOAD_TOO_LARGE');
    });

    it('leaves everything stored as it was: collections, the stored identity, per-shard counts, search results', async () => {
      expect(await storedState(url)).toEqual(before);
    });

    it('reaches ids of 101-128 characters by URL (over Fastify\'s default 100), also percent-encoded', async () => {
      const id = `${'x'.repeat(100)}:${'y'.repeat(27)}`; // 128 characters
      expect(id).toHaveLength(128);
      const path = `/v1/collections/people/identities/${encodeURIComponent(id).replace(/x/g, '%78')}`; // 330 raw characters
      expect((await send(url, { name: 'put', method: 'PUT', path, body: { faces: [{ vector: [0, 0, 1, 0] }] }, status: 200, code: '' })).status).toBe(200);
      const got = await send(url, { name: 'get', method: 'GET', path: `/v1/collections/people/identities/${id}`, status: 200, code: '' });
      expect(got.status).toBe(200);
      expect(JSON.parse(got.text).identityId).toBe(id);
      expect((await send(url, { name: 'delete', method: 'DELETE', path, status: 200, code: '' })).status).toBe(200);
      expect((await send(url, { name: 'gone', method: 'GET', path, status: 404, code: '' })).status).toBe(404);
    });
  });
}

describeCorpus('the embedded platform', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-bad-input-'));
  const env = { DATA_DIR: dataDir, PORT: '0', EMBEDDED_SHARDS: '2' };
  const platform: RunningPlatform = await startPlatform(readGatewayConfig(env), env);
  return {
    url: platform.gateway.url,
    stop: async () => {
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

describeCorpus('a NATS cluster (gateway and two shard processes)', async () => {
  const cluster = new TestCluster();
  await Promise.all([cluster.startShard('s1'), cluster.startShard('s2')]);
  await cluster.startGateway();
  await cluster.waitForMembers(['s1', 's2']);
  return { url: cluster.url, stop: () => cluster.stop() };
});
