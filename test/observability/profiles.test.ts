import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, TestCluster } from '../support/cluster-harness';

/** POSTs a profile request and reads the whole answer (a file, or an error body). */
async function profile(url: string, query: string, key: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${url}/v1/admin/profile?${query}`, { method: 'POST', headers: { 'x-api-key': key } });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/**
 * CPU profiles and heap snapshots end to end: a gateway and a real shard process over NATS, API
 * keys on. A shard's file is recorded in its data folder and fetched over NATS in parts (a heap
 * snapshot is far larger than one NATS message).
 */
describe('profiles: admin-only CPU profiles and heap snapshots of the gateway and of a shard', { timeout: 180_000 }, () => {
  const cluster = new TestCluster({ FACESHARD_AUTH: 'on', FACE_PRELOAD: 'false', SHARD_DOWN_AFTER_MS: '15000', PROFILE_MAX_SECONDS: '30' });
  let url = '';
  let admin = '';

  beforeAll(async () => {
    await cluster.startShard('pa');
    url = await cluster.startGateway();
    admin = cluster.gateway!.output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { event: string; key?: string })
      .find((e) => e.event === 'first-admin-key')!.key!;
    cluster.apiKey = admin;
    await cluster.waitForMembers(['pa']);
  }, 120_000);

  afterAll(() => cluster.stop());

  it('refuses a non-admin key with 403 and no key with 401', async () => {
    const reader = await call(url, 'POST', '/v1/keys', { name: 'reader', role: 'read', collections: ['*'] }, { 'x-api-key': admin });
    expect(reader.status).toBe(201);
    const refused = await profile(url, 'kind=cpu&seconds=1&shard=pa', reader.body.key);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).code).toBe('FORBIDDEN');
    expect((await fetch(`${url}/v1/admin/profile?kind=heap`, { method: 'POST' })).status).toBe(401);
  });

  it("records a shard's CPU profile for N seconds over NATS; a second one at the same time gets 409", async () => {
    const started = Date.now();
    const first = profile(url, 'kind=cpu&seconds=3&shard=pa', admin);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const second = await profile(url, 'kind=cpu&seconds=1&shard=pa', admin);
    expect(second.status).toBe(409);
    expect(JSON.parse(second.text)).toMatchObject({ code: 'PROFILER_BUSY', retryable: true });

    const answer = await first;
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(answer.headers.get('content-disposition')).toMatch(/^attachment; filename="faceshard-shard-pa-\d{8}T\d{6}Z\.cpuprofile"$/);
    // The .cpuprofile format (Chrome DevTools, speedscope): nodes with call frames, samples, time deltas.
    const cpu = JSON.parse(answer.text);
    expect(cpu.nodes.length).toBeGreaterThan(1);
    expect(cpu.nodes[0].callFrame).toHaveProperty('functionName');
    expect(cpu.samples.length).toBe(cpu.timeDeltas.length);
    expect((cpu.endTime - cpu.startTime) / 1e6).toBeGreaterThanOrEqual(2.9); // microseconds
    // Once fetched, the shard keeps no copy.
    expect(readdirSync(join(cluster.root, 'pa', 'profiles'))).toEqual([]);
  });

  it("fetches a shard's heap snapshot, many NATS messages long, whole", async () => {
    const answer = await profile(url, 'kind=heap&shard=pa', admin);
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    expect(answer.headers.get('content-disposition')).toMatch(/\.heapsnapshot"$/);
    const bytes = Buffer.byteLength(answer.text);
    expect(bytes).toBe(Number(answer.headers.get('content-length')));
    expect(bytes).toBeGreaterThan(2 * 1024 * 1024); // more than one 1 MiB NATS message: it came in parts
    const heap = JSON.parse(answer.text);
    expect(heap.snapshot.meta.node_fields).toContain('name');
    expect(heap.nodes.length).toBe(heap.snapshot.node_count * heap.snapshot.meta.node_fields.length);
    expect(readdirSync(join(cluster.root, 'pa', 'profiles'))).toEqual([]);
  });

  it("records the gateway's own CPU profile when no shard is named", async () => {
    const answer = await profile(url, 'kind=cpu&seconds=1', admin);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toMatch(/faceshard-gateway-.*\.cpuprofile"$/);
    expect(JSON.parse(answer.text).samples.length).toBeGreaterThan(0);
  });

  it('bounds N and names what is wrong: 400 for seconds out of range or on a heap snapshot, 404 for a shard not on the ring', async () => {
    for (const query of ['kind=cpu&seconds=0', 'kind=cpu&seconds=31', 'kind=cpu', 'kind=cpu&seconds=1.5', 'kind=heap&seconds=2', 'kind=disk']) {
      const answer = await profile(url, query, admin);
      expect(answer.status, query).toBe(400);
      expect(JSON.parse(answer.text).code).toBe('VALIDATION_FAILED');
    }
    const unknown = await profile(url, 'kind=heap&shard=nope', admin);
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).code).toBe('MEMBER_NOT_FOUND');
  });
});
