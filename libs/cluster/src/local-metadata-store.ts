import { randomUUID } from 'node:crypto';
import { FaceshardError, type CollectionSpec, type RingState } from '@faceshard/contracts';
import { readTextIfExists, writeFileAtomic } from './atomic-file';
import { collectionExists, isGeneration, nextGeneration, parseCollectionSpec, sameCollectionSpec, validCollectionSpec } from './collection-spec';
import { requestJoin } from '@faceshard/rebalance';
import { DOC_KEY_PATTERN, type ClusterMetadataStore, type StoredDoc } from './metadata-store';
import { EMPTY_RING, copyRing, parseRing, ringWithMember, ringWithoutMember } from './ring-state';

interface LocalMetadata {
  version: 1;
  ring: RingState;
  collections: Record<string, CollectionSpec>;
  /** Optional in files written before it existed; created on the first change. */
  incarnation?: string;
  docs?: Record<string, StoredDoc<unknown>>;
  docRevision?: number;
  /** Generations below this were handed out (each new one is at least this and the clock, see nextGeneration). */
  nextGeneration: number;
  /** Tombstones: the last deleted generation per name (shards refuse writes for it). */
  deleted: Record<string, number>;
}

/**
 * Cluster metadata for the embedded single process: one JSON file, replaced atomically on
 * every change (temp file, fsync, rename). The process is its only writer, so changes are
 * serialised in memory; two processes must not open the same file.
 */
export class LocalMetadataStore implements ClusterMetadataStore {
  private readonly ringListeners = new Set<(ring: RingState) => void>();
  private readonly collectionListeners = new Set<() => void>();
  /** Every change runs after the previous one has been written. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly filePath: string,
    private state: LocalMetadata,
  ) {}

  static async open(filePath: string): Promise<LocalMetadataStore> {
    const text = await readTextIfExists(filePath);
    return new LocalMetadataStore(filePath, text === null ? emptyMetadata() : parseMetadata(text, filePath));
  }

  get incarnation(): string {
    return (this.state.incarnation ??= randomUUID());
  }

  /** A file store is never lost behind the process's back: no reincarnation to report. */
  onReincarnation(): () => void {
    return () => undefined;
  }

  async readRing(): Promise<RingState> {
    return copyRing(this.state.ring);
  }

  async registerShard(shardId: string): Promise<RingState> {
    const holdsData = Object.keys(this.state.collections).length > 0;
    return this.changeRing((ring) => requestJoin(ring, shardId, { clusterHoldsData: holdsData }));
  }

  async readDoc<T>(key: string): Promise<StoredDoc<T> | null> {
    assertDocKey(key);
    const doc = this.state.docs?.[key];
    return doc ? { value: structuredClone(doc.value) as T, revision: doc.revision } : null;
  }

  async writeDoc(key: string, value: unknown, expectedRevision: number | null): Promise<number | null> {
    assertDocKey(key);
    return this.exclusive(async () => {
      const held = this.state.docs?.[key];
      if ((held?.revision ?? null) !== expectedRevision) return null;
      const revision = (this.state.docRevision ?? 0) + 1;
      const docs = { ...this.state.docs, [key]: { value: structuredClone(value), revision } };
      await this.commit({ ...this.state, docs, docRevision: revision });
      return revision;
    });
  }

  async listDocs(prefix: string): Promise<string[]> {
    assertDocKey(prefix);
    return Object.keys(this.state.docs ?? {})
      .filter((k) => k.startsWith(prefix + '.'))
      .sort();
  }

  async deleteDoc(key: string): Promise<void> {
    assertDocKey(key);
    await this.exclusive(async () => {
      if (!this.state.docs?.[key]) return;
      const docs = { ...this.state.docs };
      delete docs[key];
      await this.commit({ ...this.state, docs });
    });
  }

  async addMember(shardId: string): Promise<RingState> {
    return this.changeRing((ring) => ringWithMember(ring, shardId));
  }

  async removeMember(shardId: string): Promise<RingState> {
    return this.changeRing((ring) => ringWithoutMember(ring, shardId));
  }

  async watchRing(listener: (ring: RingState) => void): Promise<() => void> {
    this.assertOpen();
    this.ringListeners.add(listener);
    listener(copyRing(this.state.ring));
    return () => {
      this.ringListeners.delete(listener);
    };
  }

  // async everywhere: validation failures reject, they never throw synchronously.
  async createCollection(spec: CollectionSpec): Promise<CollectionSpec> {
    const wanted = validCollectionSpec(spec);
    return this.exclusive(async () => {
      const existing = this.state.collections[wanted.name];
      if (existing) {
        if (sameCollectionSpec(existing, wanted)) return { ...existing };
        throw collectionExists(existing);
      }
      const generation = nextGeneration(Math.max(this.state.nextGeneration - 1, this.state.deleted[wanted.name] ?? 0));
      const created: CollectionSpec = { ...wanted, generation };
      await this.commit({ ...this.state, collections: { ...this.state.collections, [wanted.name]: created }, nextGeneration: generation + 1 });
      this.notifyCollections();
      return { ...created };
    });
  }

  async adoptCollection(spec: CollectionSpec): Promise<CollectionSpec | null> {
    const wanted = validCollectionSpec(spec);
    const generation = spec.generation ?? 0;
    return this.exclusive(async () => {
      const existing = this.state.collections[wanted.name];
      if (existing) return { ...existing };
      if (Object.hasOwn(this.state.deleted, wanted.name)) return null;
      const adopted: CollectionSpec = { ...wanted, generation };
      const nextGen = Math.max(this.state.nextGeneration, generation + 1);
      await this.commit({ ...this.state, collections: { ...this.state.collections, [wanted.name]: adopted }, nextGeneration: nextGen });
      this.notifyCollections();
      return { ...adopted };
    });
  }

  async getCollection(name: string): Promise<CollectionSpec | null> {
    const spec = Object.hasOwn(this.state.collections, name) ? this.state.collections[name] : undefined;
    return spec ? { ...spec } : null;
  }

  async listCollections(): Promise<CollectionSpec[]> {
    return Object.values(this.state.collections)
      .map((s) => ({ ...s }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async deleteCollection(name: string, generation?: number): Promise<boolean> {
    return this.exclusive(async () => {
      if (!Object.hasOwn(this.state.collections, name)) return false;
      const existing = this.state.collections[name];
      if (generation !== undefined && (existing.generation ?? 0) !== generation) return false;
      const collections = { ...this.state.collections };
      delete collections[name];
      await this.commit({ ...this.state, collections, deleted: { ...this.state.deleted, [name]: existing.generation ?? 0 } });
      this.notifyCollections();
      return true;
    });
  }

  async watchCollections(listener: () => void): Promise<() => void> {
    this.assertOpen();
    this.collectionListeners.add(listener);
    return () => {
      this.collectionListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail.catch(() => undefined);
    this.ringListeners.clear();
    this.collectionListeners.clear();
  }

  changeRing(change: (ring: RingState) => RingState): Promise<RingState> {
    return this.exclusive(async () => {
      const next = change(this.state.ring);
      if (next === this.state.ring) return copyRing(next);
      await this.commit({ ...this.state, ring: next });
      for (const listener of [...this.ringListeners]) safely(() => listener(copyRing(next)));
      return copyRing(next);
    });
  }

  /** Durable first, then visible: memory changes only after the file holds the new state. */
  private async commit(next: LocalMetadata): Promise<void> {
    next = { ...next, incarnation: this.incarnation };
    await writeFileAtomic(this.filePath, JSON.stringify(next, null, 2) + '\n');
    this.state = next;
  }

  private notifyCollections(): void {
    for (const listener of [...this.collectionListeners]) safely(listener);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.assertOpen();
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw new FaceshardError('INTERNAL', `metadata store ${this.filePath} is closed`);
  }
}

function emptyMetadata(): LocalMetadata {
  return { version: 1, ring: copyRing(EMPTY_RING), collections: {}, nextGeneration: 1, deleted: {} };
}

function parseMetadata(text: string, filePath: string): LocalMetadata {
  let raw: Partial<LocalMetadata>;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new FaceshardError('INTERNAL', `cluster metadata file ${filePath} is not valid JSON: ${(err as Error).message}`);
  }
  const collections: Record<string, CollectionSpec> = {};
  let highest = 0;
  for (const spec of Object.values(raw.collections ?? {})) {
    const valid = parseCollectionSpec(spec);
    collections[valid.name] = valid;
    highest = Math.max(highest, valid.generation ?? 0);
  }
  const deleted: Record<string, number> = {};
  for (const [name, generation] of Object.entries(raw.deleted ?? {})) {
    if (isGeneration(generation)) deleted[name] = generation;
    highest = Math.max(highest, deleted[name] ?? 0);
  }
  // Files from before generations have no counter: start above anything recorded.
  const nextGeneration = isGeneration(raw.nextGeneration) && raw.nextGeneration > highest ? raw.nextGeneration : highest + 1;
  const parsed: LocalMetadata = { version: 1, ring: parseRing(raw.ring), collections, nextGeneration, deleted };
  if (typeof raw.incarnation === 'string') parsed.incarnation = raw.incarnation;
  if (raw.docs && typeof raw.docs === 'object') parsed.docs = raw.docs;
  if (Number.isInteger(raw.docRevision)) parsed.docRevision = raw.docRevision;
  return parsed;
}

function assertDocKey(key: string): void {
  if (!DOC_KEY_PATTERN.test(key)) throw new FaceshardError('INTERNAL', `invalid metadata document key ${JSON.stringify(key)}`);
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // One listener's failure must not stop the others or fail the change that already happened.
  }
}
