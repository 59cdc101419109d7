import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { byCreation, type ApiKeyChange, type ApiKeyRepository, type StoredApiKey } from '@faceshard/access';
import { AccessService } from './access.service';

/** In-memory ApiKeyRepository: the service's logic without disk or NATS. */
class FakeApiKeyRepository implements ApiKeyRepository {
  readonly keys = new Map<string, StoredApiKey>();
  firstKey: string | null = null;
  touches: string[] = [];
  private readonly listeners = new Set<(c: ApiKeyChange) => void>();
  async create(key: StoredApiKey) {
    if (this.keys.has(key.id)) return false;
    this.keys.set(key.id, { ...key });
    this.emit({ id: key.id, key: { ...key } });
    return true;
  }
  async get(id: string) {
    return this.keys.get(id) ?? null;
  }
  async list() {
    return [...this.keys.values()].sort(byCreation);
  }
  async delete(id: string) {
    const had = this.keys.delete(id);
    if (had) this.emit({ id, key: null });
    return had;
  }
  async touch(id: string, lastUsed: string) {
    this.touches.push(id);
    const key = this.keys.get(id);
    if (key) this.keys.set(id, { ...key, lastUsed });
  }
  async firstKeyIssued() {
    return this.firstKey !== null;
  }
  async claimFirstKey(id: string) {
    if (this.firstKey !== null) return false;
    this.firstKey = id;
    return true;
  }
  async watch(listener: (c: ApiKeyChange) => void) {
    this.listeners.add(listener);
    for (const key of this.keys.values()) listener({ id: key.id, key });
    return () => this.listeners.delete(listener);
  }
  async close() {}
  /** A change made by another gateway: only the watch tells this one. */
  emit(change: ApiKeyChange) {
    for (const l of this.listeners) l(change);
  }
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as FaceshardError).code;
  }
  return 'no error';
};
const CONFIGURED = 'configured-admin-key-0123456789abcdef';

describe('AccessService', () => {
  it('with auth on and no keys, issues one admin key, once: a later start issues none', async () => {
    const repo = new FakeApiKeyRepository();
    const first = await AccessService.start(repo, { auth: 'on' });
    expect(first.firstAdminKey).toMatch(/^fsk_/);
    expect(first.access.authenticate(first.firstAdminKey)).toMatchObject({ role: 'admin', collections: ['*'] });
    const again = await AccessService.start(repo, { auth: 'on' });
    expect(again.firstAdminKey).toBeUndefined();
    expect(again.access.authenticate(first.firstAdminKey)).toMatchObject({ role: 'admin' });
  });

  it('refuses to start with auth on when the first key was issued and every key is gone', async () => {
    const repo = new FakeApiKeyRepository();
    const { firstAdminKey } = await AccessService.start(repo, { auth: 'on' });
    repo.keys.clear();
    await expect(AccessService.start(repo, { auth: 'on' })).rejects.toThrow(/refusing to start.*FACESHARD_ADMIN_KEY/);
    expect(firstAdminKey).toBeDefined();
    // a configured admin key is enough to start
    const { access } = await AccessService.start(repo, { auth: 'on', adminKey: CONFIGURED });
    expect(access.authenticate(CONFIGURED)).toMatchObject({ id: 'config', role: 'admin' });
  });

  it('issues nothing when auth is off or an admin key is configured', async () => {
    const repo = new FakeApiKeyRepository();
    expect((await AccessService.start(repo, { auth: 'off' })).firstAdminKey).toBeUndefined();
    expect((await AccessService.start(repo, { auth: 'on', adminKey: CONFIGURED })).firstAdminKey).toBeUndefined();
    expect(repo.keys.size).toBe(0);
    expect(repo.firstKey).toBeNull();
  });

  it('refuses a short configured admin key', async () => {
    await expect(AccessService.start(new FakeApiKeyRepository(), { auth: 'on', adminKey: 'hunter2' })).rejects.toThrow(/at least 32/);
  });

  it('answers 401 for missing and unknown keys, 403 for role and scope', async () => {
    const repo = new FakeApiKeyRepository();
    const { access } = await AccessService.start(repo, { auth: 'on', adminKey: CONFIGURED });
    const reader = await access.create({ name: 'r', role: 'read', collections: ['a'] });
    expect(code(() => access.authenticate(undefined))).toBe('UNAUTHORIZED');
    expect(code(() => access.authenticate('fsk_0000000000000000_' + 'x'.repeat(43)))).toBe('UNAUTHORIZED');
    expect(code(() => access.authenticate(reader.key.slice(0, -1) + (reader.key.endsWith('A') ? 'B' : 'A')))).toBe('UNAUTHORIZED');
    const principal = access.authenticate(reader.key);
    expect(code(() => access.authorize(principal, 'read', 'a'))).toBe('no error');
    expect(code(() => access.authorize(principal, 'write', 'a'))).toBe('FORBIDDEN');
    expect(code(() => access.authorize(principal, 'read', 'b'))).toBe('FORBIDDEN');
  });

  it('stores only the hash and lists keys without secrets or hashes', async () => {
    const repo = new FakeApiKeyRepository();
    const { access } = await AccessService.start(repo, { auth: 'on', adminKey: CONFIGURED });
    const created = await access.create({ name: 'w', role: 'write', collections: ['*'] });
    expect(JSON.stringify([...repo.keys.values()])).not.toContain(created.key);
    const listed = await access.list();
    expect(listed).toEqual([{ id: created.id, name: 'w', role: 'write', collections: ['*'], created: created.created }]);
    expect(JSON.stringify(listed)).not.toMatch(/hash|fsk_/);
  });

  it('stops accepting a key as soon as the watch reports it deleted elsewhere', async () => {
    const repo = new FakeApiKeyRepository();
    const { access } = await AccessService.start(repo, { auth: 'on', adminKey: CONFIGURED });
    const created = await access.create({ name: 'w', role: 'write', collections: ['*'] });
    expect(access.authenticate(created.key).id).toBe(created.id);
    repo.keys.delete(created.id);
    repo.emit({ id: created.id, key: null });
    expect(code(() => access.authenticate(created.key))).toBe('UNAUTHORIZED');
  });

  it('a periodic re-read drops a key deleted elsewhere even if the watch never said so, and keeps fresh ones', async () => {
    let now = Date.parse('2026-06-01T00:00:00.000Z');
    const repo = new FakeApiKeyRepository();
    const { access } = await AccessService.start(repo, { auth: 'on', adminKey: CONFIGURED }, () => now);
    const old = await access.create({ name: 'old', role: 'read', collections: ['*'] });
    now += 60_000;
    const fresh = await access.create({ name: 'fresh', role: 'read', collections: ['*'] });
    repo.keys.delete(old.id); // deleted by another gateway; no watch event arrives
    repo.keys.delete(fresh.id); // as if listed before it was stored
    await access.resync();
    expect(code(() => access.authenticate(old.key))).toBe('UNAUTHORIZED');
    expect(access.authenticate(fresh.key).id).toBe(fresh.id);
    await access.close();
  });

  it('refuses to delete the last admin key for all collections unless an admin key is configured', async () => {
    const repo = new FakeApiKeyRepository();
    const { access, firstAdminKey } = await AccessService.start(repo, { auth: 'on' });
    const firstId = access.authenticate(firstAdminKey).id;
    await expect(access.delete(firstId)).rejects.toMatchObject({ code: 'LAST_ADMIN_KEY' });
    await access.create({ name: 'second', role: 'admin', collections: ['*'] });
    await access.delete(firstId);
    await expect(access.delete(firstId)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });

  it('records a use at most once a minute per key', async () => {
    let now = 1_000_000;
    const repo = new FakeApiKeyRepository();
    const { access } = await AccessService.start(repo, { auth: 'on', adminKey: CONFIGURED }, () => now);
    const created = await access.create({ name: 'r', role: 'read', collections: ['*'] });
    access.authenticate(created.key);
    access.authenticate(created.key);
    now += 61_000;
    access.authenticate(created.key);
    expect(repo.touches).toEqual([created.id, created.id]);
  });

  it('validates scopes on create', async () => {
    const { access } = await AccessService.start(new FakeApiKeyRepository(), { auth: 'on', adminKey: CONFIGURED });
    await expect(access.create({ name: 'x', role: 'read', collections: ['*', 'a'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
