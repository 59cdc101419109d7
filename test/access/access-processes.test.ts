import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLATFORM_MAIN, TestCluster, assertBuilt, call, sleep, startProcess, type ManagedProcess } from '../support/cluster-harness';

const events = (p: ManagedProcess) =>
  p.output
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { event: string; key?: string; message?: string });

function stop(p: ManagedProcess): Promise<number | null> {
  return new Promise((done) => {
    if (p.child.exitCode !== null) return done(p.child.exitCode);
    p.child.once('exit', (code) => done(code));
    p.child.kill('SIGTERM');
  });
}

/** Runs main.js to its exit; for starts that must be refused. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return startProcess(PLATFORM_MAIN, env, 20_000).then(
    async (p) => {
      await stop(p);
      throw new Error(`started when it should have refused:\n${p.output.join('')}`);
    },
    (err: Error) => ({ code: /exited \((\d+)\)/.exec(err.message) ? Number(/exited \((\d+)\)/.exec(err.message)![1]) : null, output: err.message }),
  );
}

// Process starts are slow on a loaded 2-core machine: each test may take up to two minutes.
describe('access: the real processes', { timeout: 120_000 }, () => {
  assertBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-access-proc-'));
  // FACE_PRELOAD=false: these tests check access, not faces; loading the ONNX models would only slow every start.
  const embeddedEnv = { DATA_DIR: dataDir, PORT: '0', FACESHARD_AUTH: 'on', FACESHARD_ROLE: 'embedded', NATS_URL: '', FACE_PRELOAD: 'false' };
  const cluster = new TestCluster({ FACESHARD_AUTH: 'on', FACE_PRELOAD: 'false' });
  afterAll(async () => {
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the generated first admin key once (first start only) and the key works', async () => {
    const first = await startProcess(PLATFORM_MAIN, embeddedEnv);
    const printed = events(first).filter((e) => e.event === 'first-admin-key');
    expect(printed).toHaveLength(1);
    const key = printed[0].key!;
    expect(first.output.join('').split(key)).toHaveLength(2); // the secret appears exactly once
    expect(await stop(first), 'exit code after SIGTERM').toBe(0);

    const second = await startProcess(PLATFORM_MAIN, embeddedEnv);
    expect(events(second).some((e) => e.event === 'first-admin-key')).toBe(false);
    expect(second.output.join('')).not.toContain('fsk_');
    const url = String(second.ready.url);
    expect((await call(url, 'GET', '/v1/keys', undefined, { 'x-api-key': key })).status).toBe(200);
    expect((await call(url, 'GET', '/v1/keys')).status).toBe(401);
    await stop(second);
  });

  it('says loudly that keys are off on the loopback default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceshard-access-open-'));
    const open = await startProcess(PLATFORM_MAIN, { ...embeddedEnv, DATA_DIR: dir, FACESHARD_AUTH: '' });
    expect(open.ready.auth).toBe('off');
    await sleep(50);
    expect(open.output.join('')).toMatch(/API KEYS ARE OFF/);
    await stop(open);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start on a non-loopback HOST with keys off: exit code 1 and a clear message', async () => {
    const off = await runToExit({ ...embeddedEnv, HOST: '0.0.0.0', FACESHARD_AUTH: 'off' });
    expect(off.code).toBe(1);
    expect(off.output).toMatch(/refusing to start: FACESHARD_AUTH=off on HOST=0\.0\.0\.0/);
  });

  it('a key created on one gateway works on another; deleted there, it stops working on every gateway', async () => {
    await cluster.startShard('s1');
    const url1 = await cluster.startGateway();
    const admin = events(cluster.gateway!).find((e) => e.event === 'first-admin-key')?.key;
    expect(admin).toMatch(/^fsk_/);
    cluster.apiKey = admin;
    const url2 = await cluster.startExtraGateway();
    expect(events(cluster.extraGateways[0]).some((e) => e.event === 'first-admin-key')).toBe(false); // once per cluster
    await cluster.waitForMembers(['s1']);
    const h = (key: string) => ({ 'x-api-key': key });

    expect((await call(url1, 'POST', '/v1/collections', { name: 'shared', dimension: 4 }, h(admin!))).status).toBe(201);
    const writer = (await call(url1, 'POST', '/v1/keys', { name: 'w', role: 'write', collections: ['shared'] }, h(admin!))).body;
    // The other gateway learns of the new key through the KV watch.
    const upsert = () => call(url2, 'PUT', '/v1/collections/shared/identities/a', { faces: [{ vector: [1, 0, 0, 0] }] }, h(writer.key));
    let answer = await upsert();
    for (let i = 0; i < 50 && answer.status === 401; i++) answer = (await sleep(20), await upsert());
    expect(answer.status).toBe(200);
    expect((await call(url2, 'POST', '/v1/keys', { name: 'x', role: 'read', collections: ['*'] }, h(writer.key))).status).toBe(403);

    expect((await call(url2, 'DELETE', `/v1/keys/${writer.id}`, undefined, h(admin!))).status).toBe(200);
    for (const url of [url2, url1]) {
      let status = 0;
      for (let i = 0; i < 100; i++) {
        status = (await call(url, 'GET', '/v1/collections/shared/identities/a', undefined, h(writer.key))).status;
        if (status === 401) break;
        await sleep(20);
      }
      expect(status, url).toBe(401);
    }
    expect((await call(url1, 'GET', '/v1/collections/shared/identities/a', undefined, h(admin!))).status).toBe(200);
    // What Kubernetes sends on a rollout: the cluster gateway stops cleanly, exit code 0.
    expect(await stop(cluster.extraGateways[0]!), 'gateway exit code after SIGTERM').toBe(0);
  });
});
