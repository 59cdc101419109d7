import { FaceshardError } from '@faceshard/contracts';
import {
  ALL_COLLECTIONS,
  MIN_CONFIGURED_KEY_LENGTH,
  decideAccess,
  generateApiKey,
  hashApiKey,
  keyIdOf,
  matchesHash,
  roleCovers,
  validScope,
  viewOf,
  type ApiKeyPrincipal,
  type ApiKeyRepository,
  type ApiKeyRole,
  type ApiKeyView,
  type StoredApiKey,
} from '@faceshard/access';
import type { AuthMode } from './auth-mode';

/** A use is written back at most this often per key and gateway: lastUsed is a hint, not a log. */
const TOUCH_EVERY_MS = 60_000;
/**
 * The watch delivers changes at once; this full re-read bounds how long a key deleted elsewhere
 * can keep working should a watch ever stop delivering (a lost connection, a re-created bucket).
 */
const RESYNC_EVERY_MS = 30_000;
/** A key created this recently may be missing from a listing that started before it was stored. */
const RESYNC_GRACE_MS = 10_000;

export interface AccessSettings {
  auth: AuthMode;
  /** FACESHARD_ADMIN_KEY: held in memory as a hash only, never stored. */
  adminKey?: string;
}

export interface StartedAccess {
  access: AccessService;
  /** Set only on the one start, cluster-wide, that generated the first admin key: print it once. */
  firstAdminKey?: string;
}

const CONFIGURED_ADMIN: ApiKeyPrincipal = { id: 'config', name: 'FACESHARD_ADMIN_KEY', role: 'admin', collections: [ALL_COLLECTIONS] };

/**
 * API keys: who may do what. Keeps every key of the cluster in memory, fed by the repository's
 * watch (so checking a key costs no I/O and a delete made through any gateway reaches this one
 * within the watch's delivery time), and answers authenticate/authorize for the guard.
 */
export class AccessService {
  private readonly keys = new Map<string, StoredApiKey>();
  private readonly touchedAt = new Map<string, number>();
  private stopWatch: (() => void) | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly repository: ApiKeyRepository,
    readonly mode: AuthMode,
    private readonly configuredHash: string | null,
    private readonly now: () => number,
  ) {}

  /**
   * Loads the keys and makes sure someone can get in: with auth on and neither a configured
   * admin key nor any stored key, it issues the first admin key — once per cluster, ever — and
   * hands it back to be printed; if that key was issued before (and since deleted), it refuses.
   */
  static async start(repository: ApiKeyRepository, settings: AccessSettings, now: () => number = Date.now): Promise<StartedAccess> {
    if (settings.adminKey !== undefined && settings.adminKey.length < MIN_CONFIGURED_KEY_LENGTH) {
      throw new Error(
        `refusing to start: FACESHARD_ADMIN_KEY must be at least ${MIN_CONFIGURED_KEY_LENGTH} characters of random text ` +
          '(for example: openssl rand -base64 32)',
      );
    }
    const access = new AccessService(repository, settings.auth, settings.adminKey ? hashApiKey(settings.adminKey) : null, now);
    access.stopWatch = await repository.watch(({ id, key }) => {
      if (key) access.keys.set(id, key);
      else access.keys.delete(id);
    });
    access.resyncTimer = setInterval(() => void access.resync().catch(() => undefined), RESYNC_EVERY_MS);
    access.resyncTimer.unref();
    if (settings.auth === 'off' || access.configuredHash !== null || access.keys.size > 0) return { access };
    if (!(await repository.firstKeyIssued())) {
      const issued = await access.issueFirstKey();
      if (issued) return { access, firstAdminKey: issued };
      // Another gateway won the claim at the same moment: its key is stored already.
      if ((await repository.list()).length > 0) return { access };
    }
    await access.close();
    throw new Error(
      'refusing to start: API keys are required (FACESHARD_AUTH is on) but no API key exists — the first admin key ' +
        'was issued earlier and every key has since been deleted. Set FACESHARD_ADMIN_KEY to a long random secret ' +
        '(openssl rand -base64 32) and create keys with it.',
    );
  }

  get enabled(): boolean {
    return this.mode === 'on';
  }

  /** UNAUTHORIZED unless `secret` is a key this cluster knows. */
  authenticate(secret: string | undefined): ApiKeyPrincipal {
    if (!secret) throw new FaceshardError('UNAUTHORIZED', 'missing API key: send it as X-Api-Key: <key> or Authorization: Bearer <key>');
    const id = keyIdOf(secret);
    const stored = id === null ? undefined : this.keys.get(id);
    if (stored && matchesHash(secret, stored.hash)) {
      this.noteUse(stored.id);
      return { id: stored.id, name: stored.name, role: stored.role, collections: stored.collections };
    }
    if (this.configuredHash !== null && matchesHash(secret, this.configuredHash)) return CONFIGURED_ADMIN;
    throw new FaceshardError('UNAUTHORIZED', 'unknown API key');
  }

  /** FORBIDDEN unless the key's role and collection scope cover the request. */
  authorize(principal: ApiKeyPrincipal, need: ApiKeyRole, collection: string | undefined): void {
    const decision = decideAccess(principal, need, collection);
    if (!decision.allowed) throw new FaceshardError('FORBIDDEN', decision.reason, { role: principal.role, need, ...(collection ? { collection } : {}) });
  }

  /** The secret is in the answer, and nowhere else, ever again. */
  async create(request: { name: string; role: ApiKeyRole; collections: string[] }): Promise<ApiKeyView & { key: string }> {
    const problem = validScope(request.collections);
    if (problem) throw new FaceshardError('VALIDATION_FAILED', problem);
    for (;;) {
      const generated = generateApiKey();
      const stored: StoredApiKey = {
        id: generated.id,
        name: request.name,
        role: request.role,
        collections: [...request.collections],
        hash: generated.hash,
        created: new Date(this.now()).toISOString(),
      };
      // An id collision (2^-64 per pair) just draws again.
      if (await this.repository.create(stored)) {
        this.keys.set(stored.id, stored);
        return { ...viewOf(stored), key: generated.secret };
      }
    }
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.repository.list()).map(viewOf);
  }

  /**
   * KEY_NOT_FOUND if it does not exist. Refuses to delete the last admin key for all
   * collections when no admin key is configured: that would lock every administrator out.
   */
  async delete(id: string): Promise<void> {
    const key = await this.repository.get(id);
    if (!key) throw new FaceshardError('KEY_NOT_FOUND', `no API key with id "${id}"`);
    if (this.enabled && this.configuredHash === null && isFullAdmin(key)) {
      const others = (await this.repository.list()).filter((k) => k.id !== id && isFullAdmin(k));
      if (others.length === 0) {
        throw new FaceshardError('LAST_ADMIN_KEY', 'this is the last admin key for all collections; create another one (or set FACESHARD_ADMIN_KEY) before deleting it');
      }
    }
    if (!(await this.repository.delete(id))) throw new FaceshardError('KEY_NOT_FOUND', `no API key with id "${id}"`);
    this.keys.delete(id);
  }

  /** Re-reads every key: adds what the watch missed, drops keys the store no longer has. */
  async resync(): Promise<void> {
    const startedAt = this.now();
    const listed = await this.repository.list();
    const present = new Set(listed.map((k) => k.id));
    for (const key of listed) this.keys.set(key.id, key);
    for (const [id, key] of this.keys) {
      if (!present.has(id) && Date.parse(key.created) < startedAt - RESYNC_GRACE_MS) this.keys.delete(id);
    }
  }

  async close(): Promise<void> {
    this.stopWatch?.();
    this.stopWatch = null;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = null;
  }

  private async issueFirstKey(): Promise<string | null> {
    const created = await this.create({ name: 'first admin key', role: 'admin', collections: [ALL_COLLECTIONS] });
    // The key is stored before the claim: a crash in between leaves an unusable key nobody saw
    // (its secret was never printed) and the next start issues another, instead of none at all.
    if (await this.repository.claimFirstKey(created.id)) return created.key;
    await this.repository.delete(created.id);
    this.keys.delete(created.id);
    return null;
  }

  private noteUse(id: string): void {
    const now = this.now();
    if (now - (this.touchedAt.get(id) ?? -Infinity) < TOUCH_EVERY_MS) return;
    this.touchedAt.set(id, now);
    void this.repository.touch(id, new Date(now).toISOString()).catch(() => undefined);
  }
}

function isFullAdmin(key: StoredApiKey): boolean {
  return roleCovers(key.role, 'admin') && key.collections.includes(ALL_COLLECTIONS);
}
