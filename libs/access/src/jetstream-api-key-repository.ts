import { KvWatchInclude, type KV, type KvEntry, type NatsConnection, type QueuedIterator } from 'nats';
import { FaceshardError } from '@faceshard/contracts';
import { isCasConflict, metadataBucketName } from '@faceshard/cluster';
import type { StoredApiKey } from './api-key';
import { byCreation, type ApiKeyChange, type ApiKeyRepository } from './api-key-repository';
import { parseStoredKey } from './parse-stored-key';

const KEY_PREFIX = 'apikey.';
/** Written once, by the one gateway that issues the first admin key; never deleted. */
const FIRST_KEY_MARKER = 'access.first-key';
const ID_PATTERN = /^[0-9a-f]{16}$/;

/**
 * API keys in the cluster's metadata KV bucket (`faceshard_<cluster>`, keys `apikey.<id>`),
 * beside the ring and the collections, so every gateway of the cluster sees every key and a
 * deleted key stops working everywhere as soon as the KV watch delivers the delete.
 * Changes are compare-and-set on the entry's revision, like the rest of the metadata.
 */
export class JetStreamApiKeyRepository implements ApiKeyRepository {
  private readonly watchers = new Set<QueuedIterator<KvEntry>>();

  private constructor(private readonly kv: KV) {}

  /** Binds to the cluster's metadata bucket (creating it like JetStreamMetadataStore would). */
  static async open(nc: NatsConnection, cluster: string, opts: { replicas?: number } = {}): Promise<JetStreamApiKeyRepository> {
    const bucket = metadataBucketName(cluster);
    try {
      return new JetStreamApiKeyRepository(await nc.jetstream().views.kv(bucket, { history: 5, replicas: opts.replicas ?? 1 }));
    } catch (err) {
      throw new FaceshardError('INTERNAL', `cannot open JetStream KV bucket ${bucket} for API keys: ${(err as Error).message}`);
    }
  }

  async create(key: StoredApiKey): Promise<boolean> {
    try {
      await this.kv.create(KEY_PREFIX + checkId(key.id), encodeJson(key));
      return true;
    } catch (err) {
      if (isCasConflict(err)) return false;
      throw wrap(err, `create API key ${key.id}`);
    }
  }

  async get(id: string): Promise<StoredApiKey | null> {
    if (!ID_PATTERN.test(id)) return null;
    const entry = await this.kv.get(KEY_PREFIX + id);
    return entry && entry.operation === 'PUT' ? parseStoredKey(decodeJson(entry.value)) : null;
  }

  async list(): Promise<StoredApiKey[]> {
    const names: string[] = [];
    for await (const name of await this.kv.keys(`${KEY_PREFIX}>`)) names.push(name);
    const keys: StoredApiKey[] = [];
    for (const name of names) {
      const key = await this.get(name.slice(KEY_PREFIX.length));
      if (key) keys.push(key);
    }
    return keys.sort(byCreation);
  }

  async delete(id: string): Promise<boolean> {
    if (!ID_PATTERN.test(id)) return false;
    for (;;) {
      const entry = await this.kv.get(KEY_PREFIX + id);
      if (!entry || entry.operation !== 'PUT') return false;
      try {
        // Only if unchanged since read: of two racing deletes exactly one answers true.
        await this.kv.delete(KEY_PREFIX + id, { previousSeq: entry.revision });
        return true;
      } catch (err) {
        if (!isCasConflict(err)) throw wrap(err, `delete API key ${id}`);
      }
    }
  }

  async touch(id: string, lastUsed: string): Promise<void> {
    if (!ID_PATTERN.test(id)) return;
    const entry = await this.kv.get(KEY_PREFIX + id);
    if (!entry || entry.operation !== 'PUT') return;
    const key = { ...parseStoredKey(decodeJson(entry.value)), lastUsed };
    try {
      // Against the revision read: a delete in between wins, the key is not brought back.
      await this.kv.update(KEY_PREFIX + id, encodeJson(key), entry.revision);
    } catch (err) {
      if (!isCasConflict(err)) throw wrap(err, `record the use of API key ${id}`);
    }
  }

  async firstKeyIssued(): Promise<boolean> {
    const entry = await this.kv.get(FIRST_KEY_MARKER);
    return !!entry && entry.operation === 'PUT';
  }

  async claimFirstKey(id: string): Promise<boolean> {
    try {
      await this.kv.create(FIRST_KEY_MARKER, encodeJson({ id }));
      return true;
    } catch (err) {
      if (isCasConflict(err)) return false;
      throw wrap(err, 'claim the first admin key');
    }
  }

  async watch(listener: (change: ApiKeyChange) => void): Promise<() => void> {
    // Watch updates first, then read the snapshot; per key, only a newer revision is delivered,
    // so neither source can hand the listener an older state after a newer one.
    const revisions = new Map<string, number>();
    const deliver = (entry: KvEntry) => {
      const id = entry.key.slice(KEY_PREFIX.length);
      if ((revisions.get(id) ?? -1) >= entry.revision) return;
      revisions.set(id, entry.revision);
      let key: StoredApiKey | null = null;
      if (entry.operation === 'PUT') {
        try {
          key = parseStoredKey(decodeJson(entry.value));
        } catch {
          key = null; // a malformed record authorises nothing
        }
      }
      listener({ id, key });
    };
    const iter = await this.kv.watch({ key: `${KEY_PREFIX}>`, include: KvWatchInclude.UpdatesOnly });
    this.watchers.add(iter);
    void (async () => {
      for await (const entry of iter) {
        try {
          deliver(entry);
        } catch {
          // A listener's failure must not end the watch.
        }
      }
    })().catch(() => undefined);
    const names: string[] = [];
    for await (const name of await this.kv.keys(`${KEY_PREFIX}>`)) names.push(name);
    for (const name of names) {
      const entry = await this.kv.get(name);
      if (entry) deliver(entry);
    }
    return () => {
      this.watchers.delete(iter);
      iter.stop();
    };
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.stop();
    this.watchers.clear();
  }
}

function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) throw new FaceshardError('INTERNAL', `API key id must be 16 hex characters, got ${JSON.stringify(id)}`);
  return id;
}

function wrap(err: unknown, what: string): FaceshardError {
  if (err instanceof FaceshardError) return err;
  return new FaceshardError('INTERNAL', `cannot ${what} in the cluster metadata store: ${(err as Error).message}`);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encodeJson = (value: unknown) => encoder.encode(JSON.stringify(value));
const decodeJson = (bytes: Uint8Array): unknown => JSON.parse(decoder.decode(bytes));
