import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { describe, expect, it } from 'vitest';
import { metadataBucketName } from '@faceshard/cluster';
import { JetStreamApiKeyRepository, LocalApiKeyRepository, generateApiKey, type ApiKeyChange, type ApiKeyRepository, type StoredApiKey } from '@faceshard/access';
import { testClusterName } from '../support/test-run';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

interface Fixture {
  repo: ApiKeyRepository;
  /** Another handle on the same keys: another process (JetStream) or a reopen (local file). */
  peer(): Promise<ApiKeyRepository>;
  close(): Promise<void>;
}

let clock = 0;
function storedKey(overrides: Partial<StoredApiKey> = {}): StoredApiKey {
  const g = generateApiKey();
  return { id: g.id, name: 'k', role: 'read', collections: ['faces'], hash: g.hash, created: new Date(1_800_000_000_000 + clock++).toISOString(), ...overrides };
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** `racingPeers`: whether separate handles may write at once (JetStream yes; the local file has one owner). */
function describeRepository(kind: string, open: () => Promise<Fixture>, racingPeers: boolean) {
  describe(`${kind} API key repository`, () => {
    it('creates once per id, gets, lists in creation order, deletes once', async () => {
      const f = await open();
      const a = storedKey();
      const b = storedKey({ role: 'admin', collections: ['*'] });
      expect(await f.repo.create(a)).toBe(true);
      expect(await f.repo.create({ ...a, name: 'other' })).toBe(false);
      expect(await f.repo.create(b)).toBe(true);
      expect(await f.repo.get(a.id)).toEqual(a);
      expect(await f.repo.list()).toEqual([a, b]);
      expect(await f.repo.delete(a.id)).toBe(true);
      expect(await f.repo.delete(a.id)).toBe(false);
      expect(await f.repo.get(a.id)).toBeNull();
      const peer = await f.peer();
      expect(await peer.list()).toEqual([b]);
      await f.close();
    });

    it('touch records the last use but never brings back a deleted key', async () => {
      const f = await open();
      const a = storedKey();
      await f.repo.create(a);
      await f.repo.touch(a.id, '2027-01-01T00:00:00.000Z');
      expect((await f.repo.get(a.id))?.lastUsed).toBe('2027-01-01T00:00:00.000Z');
      await f.repo.delete(a.id);
      await f.repo.touch(a.id, '2027-01-02T00:00:00.000Z');
      expect(await f.repo.get(a.id)).toBeNull();
      await f.close();
    });

    it('lets exactly one caller claim the first key, and remembers it', async () => {
      const f = await open();
      expect(await f.repo.firstKeyIssued()).toBe(false);
      const other = racingPeers ? await f.peer() : f.repo;
      const claims = await Promise.all([f.repo.claimFirstKey('a'), other.claimFirstKey('b'), f.repo.claimFirstKey('c')]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await (await f.peer()).firstKeyIssued()).toBe(true);
      await f.close();
    });

    it('watch delivers existing keys before resolving, then creates and deletes', async () => {
      const f = await open();
      const existing = storedKey();
      await f.repo.create(existing);
      const seen = new Map<string, StoredApiKey | null>();
      const stop = await f.repo.watch((c: ApiKeyChange) => seen.set(c.id, c.key));
      expect(seen.get(existing.id)).toEqual(existing);
      const added = storedKey();
      await f.repo.create(added);
      await until(() => seen.get(added.id) !== undefined);
      await f.repo.delete(existing.id);
      await until(() => seen.get(existing.id) === null);
      stop();
      await f.close();
    });
  });
}

describeRepository('local file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faceshard-keys-'));
  const file = join(dir, 'api-keys.json');
  const opened: LocalApiKeyRepository[] = [await LocalApiKeyRepository.open(file)];
  return {
    repo: opened[0],
    // One process owns the file: a peer is the same store reopened after the first one's writes.
    async peer() {
      await opened[0].close();
      return LocalApiKeyRepository.open(file).then((r) => (opened.push(r), r));
    },
    async close() {
      for (const r of opened) await r.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}, false);

describeRepository('JetStream KV', async () => {
  const cluster = testClusterName();
  const connections: NatsConnection[] = [];
  const repos: ApiKeyRepository[] = [];
  const openOne = async () => {
    const nc = await connect({ servers: NATS_URL });
    connections.push(nc);
    const repo = await JetStreamApiKeyRepository.open(nc, cluster);
    repos.push(repo);
    return repo;
  };
  return {
    repo: await openOne(),
    peer: openOne,
    async close() {
      for (const r of repos) await r.close();
      const jsm = await connections[0].jetstreamManager();
      await jsm.streams.delete(`KV_${metadataBucketName(cluster)}`).catch(() => undefined);
      for (const nc of connections) await nc.close();
    },
  };
}, true);

describe('local API key file', () => {
  it('survives a reopen and refuses a corrupt record instead of reading it as no key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceshard-keys-'));
    const file = join(dir, 'api-keys.json');
    const repo = await LocalApiKeyRepository.open(file);
    const a = storedKey();
    await repo.create(a);
    await repo.close();
    expect(await (await LocalApiKeyRepository.open(file)).get(a.id)).toEqual(a);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, JSON.stringify({ version: 1, firstKey: null, keys: { x: { id: 'x', role: 'root' } } }));
    await expect(LocalApiKeyRepository.open(file)).rejects.toThrow(/malformed/);
    rmSync(dir, { recursive: true, force: true });
  });
});
