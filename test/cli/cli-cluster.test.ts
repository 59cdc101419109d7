import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestCluster } from '../support/cluster-harness';
import { runCli } from '../support/run-cli';
import { randomUnitVectors } from '../support/vectors';

/**
 * The `faceshard` command against a real cluster (2 shard processes + a gateway on the real
 * NATS, API keys required): status, keys create/list/delete, and how it reports API errors.
 */
describe('faceshard CLI against a running cluster', () => {
  const cluster = new TestCluster();
  const adminKey = randomBytes(24).toString('base64url');
  let env: Record<string, string> = {};

  beforeAll(async () => {
    await Promise.all(['cli-a', 'cli-b'].map((id) => cluster.startShard(id)));
    const url = await cluster.startGateway({ FACESHARD_AUTH: 'on', FACESHARD_ADMIN_KEY: adminKey });
    env = { FACESHARD_URL: url, FACESHARD_API_KEY: adminKey };
    cluster.apiKey = adminKey;
    await cluster.waitForMembers(['cli-a', 'cli-b']);
  });

  afterAll(() => cluster.stop());

  it('status lists every member with its health and the ring epoch', async () => {
    const run = await runCli(['status'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^2 member\(s\), ring epoch \d+/);
    expect(run.stdout).toMatch(/cli-a\s+active\s+up\s+\d+ ms ago\s+0\s+0/);
    expect(run.stdout).toMatch(/cli-b\s+active\s+up/);
    expect(run.stdout).toContain('total: 0 identities, 0 faces');
  });

  it('--json prints the API answer itself', async () => {
    const run = await runCli(['--json', 'status'], env);
    const body = JSON.parse(run.stdout);
    expect(body.members.map((m: any) => m.shardId).sort()).toEqual(['cli-a', 'cli-b']);
    expect(typeof body.ringEpoch).toBe('number');
  });

  it('keys: create a scoped key that works, list it, delete it, and it stops working', async () => {
    const created = await runCli(['--json', 'keys', 'create', '--name', 'kiosk', '--role', 'read', '--collections', 'people,staff'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ name: 'kiosk', role: 'read', collections: ['people', 'staff'] });
    expect(typeof key.key).toBe('string');

    const listed = await runCli(['keys', 'list'], env);
    expect(listed.stdout).toMatch(new RegExp(`${key.id}\\s+kiosk\\s+read\\s+people,staff`));

    // A read key may not manage keys: the CLI shows the API's code and exits 1.
    const forbidden = await runCli(['keys', 'list'], { ...env, FACESHARD_API_KEY: key.key });
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^error FORBIDDEN \(HTTP 403\)/);

    const deleted = await runCli(['keys', 'delete', key.id], env);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`deleted key ${key.id}`);
    const after = await runCli(['keys', 'list'], { ...env, FACESHARD_API_KEY: key.key });
    expect(after.stderr).toMatch(/^error UNAUTHORIZED \(HTTP 401\)/);
  });

  it('takes the key from --api-key and the URL from --url as well as from the environment', async () => {
    const run = await runCli(['--url', env.FACESHARD_URL, '--api-key', adminKey, 'status'], {});
    expect(run.code, run.stderr).toBe(0);
    const noKey = await runCli(['--url', env.FACESHARD_URL, 'status'], {});
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/UNAUTHORIZED/);
  });

  it('says clearly when the server cannot be reached', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const run = await runCli(['--url', `http://127.0.0.1:${closedPort}`, 'status'], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error UNREACHABLE: cannot reach http://127.0.0.1:${closedPort} (ECONNREFUSED)`);
  });
  it('drain moves a shard\'s identities to the others, then the shard leaves the ring and exits', async () => {
    const headers = { 'content-type': 'application/json', 'x-api-key': adminKey };
    const post = (path: string, body: unknown) => fetch(env.FACESHARD_URL + path, { method: 'POST', headers, body: JSON.stringify(body) });
    expect((await post('/v1/collections', { name: 'drained', dimension: 8 })).status).toBe(201);
    const vectors = randomUnitVectors(40, 8, 5);
    const identities = vectors.map((v, i) => ({ identityId: `d${i}`, faces: [{ faceId: 'f', vector: Array.from(v) }] }));
    expect((await post('/v1/collections/drained/identities/batch', { identities })).status).toBe(200);

    const shardB = cluster.shards.get('cli-b')!.child;
    const exited = new Promise<number | null>((done) => shardB.once('exit', (code) => done(code)));
    const run = await runCli(['drain', 'cli-b'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('drain of cli-b started');

    let status: any;
    const deadline = Date.now() + 60_000;
    for (;;) {
      // Polled over HTTP (cheaper than a process per poll); the CLI's own view is checked below.
      status = await (await fetch(`${env.FACESHARD_URL}/v1/cluster`, { headers })).json();
      if (status.members.length === 1 && !status.move) break;
      if (Date.now() > deadline) throw new Error(`drain did not finish: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(status.members.map((m: any) => m.shardId)).toEqual(['cli-a']);
    expect(status.members[0].collections.find((c: any) => c.name === 'drained').identities).toBe(40);
    expect(await exited).toBe(0);
    const text = await runCli(['status'], env);
    expect(text.stdout).toMatch(/^1 member\(s\)/);
    expect(text.stdout).toContain('total: 40 identities, 40 faces');
  }, 90_000);
});
