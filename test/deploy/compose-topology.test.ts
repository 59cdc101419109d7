import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, NATS_URL, REPO_ROOT, startProcess, type ManagedProcess } from '../support/cluster-harness';
import { dependencies, durationMs, natsConfigOf, readComposeFile, toLocalProcess, type LocalProcess } from '../support/compose-file';
import { randomUnitVectors } from '../support/vectors';
import { testClusterName } from '../support/test-run';

/**
 * deploy/compose.yaml run for real, without a container engine: every faceshard service is
 * started as a process from dist/ with the command and environment the compose file gives it,
 * the compose NATS and Redis mapped to the real servers on the loopback address, and a cluster
 * name of its own so parallel runs do not meet. Proves the file's topology forms a working
 * cluster: 3 shards on the ring, an upsert and a search through the gateway.
 */
const compose = readComposeFile(join(REPO_ROOT, 'deploy/compose.yaml'));
const natsHostPort = new URL(NATS_URL).host;
const adminKey = randomBytes(24).toString('base64url');
const ownServices = Object.keys(compose.services).filter((name) => compose.services[name].image?.startsWith('faceshard'));

describe('deploy/compose.yaml topology, run as local processes', () => {
  const cluster = testClusterName('compose');
  const root = mkdtempSync(join(tmpdir(), 'faceshard-compose-'));
  const running = new Map<string, ManagedProcess>();
  const specs = new Map<string, LocalProcess>();
  const waves: string[][] = [];
  let url = '';
  const headers = { 'content-type': 'application/json', 'x-api-key': adminKey };

  beforeAll(async () => {
    assertBuilt();
    for (const name of ownServices) {
      const service = compose.services[name];
      const spec = toLocalProcess(service, {
        hosts: { nats: natsHostPort, redis: '127.0.0.1:6379' },
        interpolation: { FACESHARD_ADMIN_KEY: adminKey },
        workdir: REPO_ROOT,
        overrides: {
          FACESHARD_CLUSTER: cluster,
          ...(service.environment?.DATA_DIR ? { DATA_DIR: join(root, name) } : {}),
          // Loopback and any free port instead of 0.0.0.0:8080 (several runs share this machine);
          // API keys stay required, as they are on the compose file's 0.0.0.0.
          ...(service.ports?.length ? { HOST: '127.0.0.1', PORT: '0', FACESHARD_AUTH: 'on' } : {}),
        },
      });
      specs.set(name, spec);
    }
    // Start in dependency order, everything whose dependencies are up at once.
    const pending = new Set(ownServices);
    while (pending.size) {
      waves.push([]);
      const wave = [...pending].filter((name) => dependencies(compose.services[name]).every((dep) => !pending.has(dep)));
      await Promise.all(
        wave.map(async (name) => {
          const { argv, env } = specs.get(name)!;
          expect(argv[0], `${name} runs node`).toBe('node');
          running.set(name, await startProcess(argv[1], env));
          waves.at(-1)!.push(name);
          pending.delete(name);
        }),
      );
    }
    url = String([...running.values()].find((p) => p.ready.role === 'gateway')!.ready.url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      [...running.values()].map(
        (p) =>
          new Promise<void>((done) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return done();
            p.child.once('exit', () => done());
            p.child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(root, { recursive: true, force: true });
  });

  it('describes 1 gateway and 3 shards built from the faceshard image, plus NATS with JetStream and Redis', () => {
    const roles = ownServices.map((name) => compose.services[name].environment?.FACESHARD_ROLE).sort();
    expect(roles).toEqual(['gateway', 'shard', 'shard', 'shard']);
    expect(natsConfigOf(compose)).toMatch(/jetstream\s*\{/);
    expect(compose.services.redis.image).toMatch(/^redis:/);
    const shardIds = ownServices.map((name) => compose.services[name].environment?.SHARD_ID).filter(Boolean);
    expect(new Set(shardIds).size).toBe(3);
  });

  it('forms a cluster whose gateway reports the 3 shards up', async () => {
    const expected = ownServices.map((name) => compose.services[name].environment?.SHARD_ID).filter(Boolean).sort();
    const deadline = Date.now() + 15_000;
    let status: { members: { shardId: string; health: string }[] } = { members: [] };
    while (Date.now() < deadline) {
      status = (await (await fetch(`${url}/v1/cluster`, { headers })).json()) as typeof status;
      if (status.members.filter((m) => m.health === 'up').length === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status.members.map((m) => m.shardId).sort()).toEqual(expected);
    expect(status.members.every((m) => m.health === 'up')).toBe(true);
  });

  it("uses the compose file's Redis as the face cache", async () => {
    // The Redis connection may still be opening right after start: give it a few seconds.
    let cache: { kind: string; state: string; detail?: string } | undefined;
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      cache = ((await (await fetch(`${url}/health`)).json()) as { faces?: { cache?: typeof cache } }).faces?.cache;
      if (cache?.state === 'ok') break;
    }
    expect(cache).toMatchObject({ kind: 'redis', state: 'ok' });
  });

  it('answers the health paths the Kubernetes probes and the compose healthcheck ask the gateway for', async () => {
    const deployment = parseAllDocuments(readFileSync(join(REPO_ROOT, 'deploy/k8s/gateway.yaml'), 'utf8'))
      .map((d) => d.toJS())
      .find((o) => o.kind === 'Deployment');
    const container = deployment.spec.template.spec.containers[0];
    const paths = [container.startupProbe, container.readinessProbe, container.livenessProbe].map((probe) => probe.httpGet.path as string);
    const composeCheck = compose.services.gateway.healthcheck!.test!.join(' ').match(/http:\/\/127\.0\.0\.1:\d+(\/[^'"]+)/)![1];
    // Ready waits for the face models, which load in the background at start: ask until it says so.
    for (const path of new Set([...paths, composeCheck])) {
      const deadline = Date.now() + 60_000;
      let status = (await fetch(url + path)).status;
      while (status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        status = (await fetch(url + path)).status;
      }
      expect(status, path).toBe(200);
    }
  }, 90_000);

  it("requires the compose file's admin key", async () => {
    expect((await fetch(`${url}/v1/cluster`)).status).toBe(401);
    expect((await fetch(`${url}/v1/cluster`, { headers: { 'x-api-key': 'not-' + adminKey } })).status).toBe(401);
    expect((await fetch(`${url}/v1/cluster`, { headers })).status).toBe(200);
  });

  it('stores identities on the shards and finds them again through the gateway', async () => {
    const vectors = randomUnitVectors(30, 16, 11);
    const post = (path: string, body: unknown, method = 'POST') =>
      fetch(url + path, { method, headers, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
    expect((await post('/v1/collections', { name: 'compose', dimension: 16 })).status).toBe(201);
    const identities = vectors.map((v, i) => ({ identityId: `p${i}`, faces: [{ faceId: 'f', vector: Array.from(v) }] }));
    const batch = await post('/v1/collections/compose/identities/batch', { identities });
    expect(batch.status, JSON.stringify(batch.body)).toBe(200);
    expect(batch.body.upserted).toBe(30);
    const search = await post('/v1/collections/compose/search', { vector: Array.from(vectors[17]), k: 3 });
    expect(search.status).toBe(200);
    expect(search.body.partial).toBe(false);
    expect(search.body.hits[0].identityId).toBe('p17');
    // 30 people over 3 shards by the ring: more than one shard holds some.
    const status = (await (await fetch(`${url}/v1/cluster`, { headers })).json()) as any;
    const holding = status.members.filter((m: any) => m.collections?.find((c: any) => c.name === 'compose')?.identities > 0);
    expect(holding.length).toBeGreaterThan(1);
  });

  it("answers the shard's healthcheck probe as the shard itself, and fails it for a shard that does not exist", () => {
    const shardService = ownServices.find((name) => compose.services[name].environment?.FACESHARD_ROLE === 'shard')!;
    const [program, ...args] = compose.services[shardService].healthcheck!.test!.slice(1);
    expect(program).toBe('node');
    const env = { ...process.env, ...specs.get(shardService)!.env };
    const run = (extra: Record<string, string>) =>
      spawnSync(process.execPath, args, { cwd: REPO_ROOT, env: { ...env, ...extra }, encoding: 'utf8', timeout: 15_000 });
    const ok = run({});
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ probe: 'ready', outcome: 'answered' });
    const missing = run({ SHARD_ID: 'no-such-shard' });
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.stdout).outcome).toBe('no-answer');
  });

  it('stops as `docker compose down` does: dependants first, each with its stop signal, exit 0 in its grace period, shards keeping their data', async () => {
    for (const wave of [...waves].reverse()) {
      await Promise.all(
        wave.map(async (name) => {
          const service = compose.services[name];
          const { child, output } = running.get(name)!;
          const signal = (service.stop_signal ?? 'SIGTERM') as NodeJS.Signals;
          const exited = new Promise<string>((done) => child.once('exit', (code, by) => done(code === 0 ? 'exit 0' : by === signal ? 'own signal' : `exit ${code ?? by}`)));
          const started = Date.now();
          child.kill(signal);
          const how = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), durationMs(service.stop_grace_period ?? '10s')))]);
          // Exit 0, or the gateway's NestJS shutdown hook closing the app and re-raising the signal.
          expect(['exit 0', 'own signal'], `${name} after ${Date.now() - started} ms:\n${output.join('')}`).toContain(how);
          if (service.environment?.FACESHARD_ROLE === 'shard') expect(how).toBe('exit 0');
          // A shard that handed its identities away says so ("left"); stopping the cluster must not move data.
          if (service.environment?.FACESHARD_ROLE === 'shard') expect(output.join('')).not.toContain('"event":"left"');
        }),
      );
    }
  }, 90_000);
});

