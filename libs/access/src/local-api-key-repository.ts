import { FaceshardError } from '@faceshard/contracts';
import { readTextIfExists, writeFileAtomic } from '@faceshard/cluster';
import type { StoredApiKey } from './api-key';
import { byCreation, type ApiKeyChange, type ApiKeyRepository } from './api-key-repository';
import { parseStoredKey } from './parse-stored-key';

interface LocalKeyFile {
  version: 1;
  /** Id of the first admin key once issued; stays after that key is deleted, so it is issued once. */
  firstKey: string | null;
  keys: Record<string, StoredApiKey>;
}

/**
 * API keys of the embedded single process: one JSON file in the data directory beside the
 * cluster metadata file, replaced atomically on every change (temp file, fsync, rename). A file
 * of its own rather than a section of cluster.json, because each of the two stores rewrites its
 * whole file: sharing one would let either write back a stale copy of the other's part.
 */
export class LocalApiKeyRepository implements ApiKeyRepository {
  private readonly listeners = new Set<(change: ApiKeyChange) => void>();
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly filePath: string,
    private state: LocalKeyFile,
  ) {}

  static async open(filePath: string): Promise<LocalApiKeyRepository> {
    const text = await readTextIfExists(filePath);
    return new LocalApiKeyRepository(filePath, text === null ? { version: 1, firstKey: null, keys: {} } : parseFile(text, filePath));
  }

  create(key: StoredApiKey): Promise<boolean> {
    return this.exclusive(async () => {
      if (Object.hasOwn(this.state.keys, key.id)) return false;
      await this.commit({ ...this.state, keys: { ...this.state.keys, [key.id]: { ...key } } });
      this.notify({ id: key.id, key: { ...key } });
      return true;
    });
  }

  async get(id: string): Promise<StoredApiKey | null> {
    return Object.hasOwn(this.state.keys, id) ? { ...this.state.keys[id] } : null;
  }

  async list(): Promise<StoredApiKey[]> {
    return Object.values(this.state.keys)
      .map((k) => ({ ...k }))
      .sort(byCreation);
  }

  delete(id: string): Promise<boolean> {
    return this.exclusive(async () => {
      if (!Object.hasOwn(this.state.keys, id)) return false;
      const keys = { ...this.state.keys };
      delete keys[id];
      await this.commit({ ...this.state, keys });
      this.notify({ id, key: null });
      return true;
    });
  }

  touch(id: string, lastUsed: string): Promise<void> {
    return this.exclusive(async () => {
      if (!Object.hasOwn(this.state.keys, id)) return;
      const key = { ...this.state.keys[id], lastUsed };
      await this.commit({ ...this.state, keys: { ...this.state.keys, [id]: key } });
      this.notify({ id, key: { ...key } });
    });
  }

  async firstKeyIssued(): Promise<boolean> {
    return this.state.firstKey !== null;
  }

  claimFirstKey(id: string): Promise<boolean> {
    return this.exclusive(async () => {
      if (this.state.firstKey !== null) return false;
      await this.commit({ ...this.state, firstKey: id });
      return true;
    });
  }

  async watch(listener: (change: ApiKeyChange) => void): Promise<() => void> {
    this.listeners.add(listener);
    for (const key of await this.list()) listener({ id: key.id, key });
    return () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    await this.tail.catch(() => undefined);
    this.listeners.clear();
  }

  /** Durable first, then visible. */
  private async commit(next: LocalKeyFile): Promise<void> {
    await writeFileAtomic(this.filePath, JSON.stringify(next, null, 2) + '\n');
    this.state = next;
  }

  private notify(change: ApiKeyChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // One listener's failure must not stop the others or undo the change.
      }
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function parseFile(text: string, filePath: string): LocalKeyFile {
  let raw: Partial<LocalKeyFile>;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new FaceshardError('INTERNAL', `API key file ${filePath} is not valid JSON: ${(err as Error).message}`);
  }
  const keys: Record<string, StoredApiKey> = {};
  for (const raw_ of Object.values(raw.keys ?? {})) {
    const key = parseStoredKey(raw_);
    keys[key.id] = key;
  }
  return { version: 1, firstKey: typeof raw.firstKey === 'string' ? raw.firstKey : null, keys };
}
