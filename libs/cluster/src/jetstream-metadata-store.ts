import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { KvWatchInclude, NatsError, type KV, type KvEntry, type KvOptions, type NatsConnection, type QueuedIterator } from 'nats';
import { FaceshardError, NAME_PATTERN, type CollectionSpec, type RingState } from '@faceshard/contracts';
import { assertClusterName } from '@faceshard/messaging';
import { requestJoin } from '@faceshard/rebalance';
import { collectionExists, nextGeneration, parseCollectionSpec, sameCollectionSpec, validCollectionSpec } from './collection-spec';
import { DOC_KEY_PATTERN, type ClusterMetadataStore, type StoredDoc } from './metadata-store';
import { EMPTY_RING, copyRing, parseRing, ringWithMember, ringWithoutMember } from './ring-state';

const RING_KEY = 'ring';
const COLLECTION_PREFIX = 'collection.';
const DOC_PREFIX = 'doc.';
/** Written once per bucket (create-if-absent): a bucket re-created after a loss gets a new one. */
const INCARNATION_KEY = 'incarnation';
/** How often a handle checks that its bucket still exists (and is the same incarnation). */
const DEFAULT_PROBE_EVERY_MS = 1000;
/** A CAS loop gives up after this many lost races; each lost race means another writer won. */
const MAX_CAS_ATTEMPTS = 200;

export interface JetStreamMetadataStoreOptions {
  /** Stream replicas of the KV bucket: 1 for a single NATS server, 3 for a 3-node NATS cluster. */
  replicas?: number;
  /** How often to check the bucket still exists; 0 disables the check. Default 1000 ms. */
  probeEveryMs?: number;
}

interface WatchSpec {
  opts: { key: string; include?: KvWatchInclude };
  onEntry: (entry: KvEntry) => void;
  /** After the bucket was re-created: the watch starts over on the new bucket. */
  onRestart: () => Promise<void>;
  iter: QueuedIterator<KvEntry> | null;
}

/** One KV bucket per cluster name, so test and benchmark clusters on one server never meet. */
export function metadataBucketName(cluster: string): string {
  return `faceshard_${cluster}`;
}

/**
 * KV keys allow [-/_=.A-Za-z0-9] with '.' as a token separator (no empty tokens). Collection
 * names may hold ':' and end with '.', so those two are escaped as =3A and =2E ('=' never
 * occurs in a name, so the mapping is reversible and collision-free).
 */
export function collectionKey(name: string): string {
  return COLLECTION_PREFIX + name.replace(/[.:]/g, (c) => (c === '.' ? '=2E' : '=3A'));
}

/**
 * Cluster metadata in a NATS JetStream KV bucket. Every change is a compare-and-set on the
 * key's revision (kv.create = "only if absent", kv.update(key, value, revision) = "only if
 * unchanged since I read it"), retried on conflict: concurrent writers from any number of
 * processes serialise on the stream, none is lost, and each ring epoch names one member set.
 */
export class JetStreamMetadataStore implements ClusterMetadataStore {
  private readonly watches = new Set<WatchSpec>();
  private readonly reincarnationListeners = new Set<(incarnation: string) => void>();
  private probeTimer: NodeJS.Timeout | null = null;
  private reopening: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly nc: NatsConnection,
    private kv: KV,
    readonly bucket: string,
    private readonly kvOptions: Partial<KvOptions>,
    private currentIncarnation: string,
  ) {}

  static async open(nc: NatsConnection, cluster: string, opts: JetStreamMetadataStoreOptions = {}): Promise<JetStreamMetadataStore> {
    assertClusterName(cluster);
    const bucket = metadataBucketName(cluster);
    const kvOptions = { history: 5, replicas: opts.replicas ?? 1 };
    try {
      // Creates the bucket, or binds to it when it exists (idempotent across processes).
      const kv = await nc.jetstream().views.kv(bucket, kvOptions);
      const store = new JetStreamMetadataStore(nc, kv, bucket, kvOptions, await ensureIncarnation(kv));
      store.startProbe(opts.probeEveryMs ?? DEFAULT_PROBE_EVERY_MS);
      return store;
    } catch (err) {
      throw new FaceshardError('INTERNAL', `cannot open JetStream KV bucket ${bucket} (is JetStream enabled on the NATS server?): ${(err as Error).message}`);
    }
  }

  get incarnation(): string {
    return this.currentIncarnation;
  }

  onReincarnation(listener: (incarnation: string) => void): () => void {
    this.reincarnationListeners.add(listener);
    return () => this.reincarnationListeners.delete(listener);
  }

  /**
   * Checks the bucket is still there and still the same incarnation; if it was lost, re-creates
   * it. Without this, losing the bucket (a NATS server that lost its JetStream store) leaves
   * every process with a handle on nothing: writes answer 503 until each one restarts.
   */
  async checkBucket(): Promise<void> {
    if (this.reopening) return this.reopening;
    this.reopening = (async () => {
      const jsm = await this.nc.jetstreamManager();
      let exists = true;
      try {
        await jsm.streams.info(`KV_${this.bucket}`);
      } catch (err) {
        if (!isStreamNotFound(err)) throw err;
        exists = false;
      }
      if (!exists) this.kv = await this.nc.jetstream().views.kv(this.bucket, this.kvOptions);
      const incarnation = await ensureIncarnation(this.kv);
      if (incarnation === this.currentIncarnation) return;
      this.currentIncarnation = incarnation;
      for (const listener of [...this.reincarnationListeners]) safely(() => listener(incarnation));
      for (const watch of this.watches) {
        watch.iter?.stop();
        watch.iter = null;
        if (!this.closed) await this.startWatch(watch).catch(() => undefined);
        await watch.onRestart().catch(() => undefined);
      }
    })().finally(() => {
      this.reopening = null;
    });
    return this.reopening;
  }

  private startProbe(everyMs: number): void {
    if (everyMs <= 0) return;
    this.probeTimer = setInterval(() => void this.checkBucket().catch(() => undefined), everyMs);
    this.probeTimer.unref();
  }

  async readRing(): Promise<RingState> {
    return (await this.readRingEntry()).ring;
  }

  async addMember(shardId: string): Promise<RingState> {
    return this.changeRing((ring) => ringWithMember(ring, shardId));
  }

  async removeMember(shardId: string): Promise<RingState> {
    return this.changeRing((ring) => ringWithoutMember(ring, shardId));
  }

  async registerShard(shardId: string): Promise<RingState> {
    const holdsData = (await this.listCollections()).length > 0;
    return this.changeRing((ring) => requestJoin(ring, shardId, { clusterHoldsData: holdsData }));
  }

  async watchRing(listener: (ring: RingState) => void): Promise<() => void> {
    // Revisions only go up within one incarnation: each state is delivered once, never an
    // older one after a newer. A re-created bucket starts its revisions again.
    let lastRevision = -1;
    const deliver = (revision: number, ring: RingState) => {
      if (revision <= lastRevision) return;
      lastRevision = revision;
      listener(ring);
    };
    const deliverCurrent = async () => {
      // The watch delivers the current value only if the key exists; read it so the listener
      // always has the current ring (the empty one at revision 0) before this resolves.
      const { ring, revision } = await this.readRingEntry();
      deliver(revision ?? 0, ring);
    };
    const stop = await this.watch(
      { key: RING_KEY },
      (entry) => deliver(entry.revision, entry.operation === 'PUT' ? parseRing(decodeJson(entry.value)) : copyRing(EMPTY_RING)),
      async () => {
        lastRevision = -1;
        await deliverCurrent();
      },
    );
    await deliverCurrent();
    return stop;
  }

  /** Creating over a tombstone is an update of it; the new generation is above the deleted one (nextGeneration). */
  async createCollection(spec: CollectionSpec): Promise<CollectionSpec> {
    const wanted = validCollectionSpec(spec);
    const key = collectionKey(wanted.name);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(key);
      const existing = entry ? specOfEntry(entry) : null;
      if (existing) {
        if (sameCollectionSpec(existing, wanted)) return existing;
        throw collectionExists(existing);
      }
      const tombstone = entry && entry.operation === 'PUT' ? (decodeJson(entry.value) as { deletedGeneration?: number }).deletedGeneration : undefined;
      const created: CollectionSpec = { ...wanted, generation: nextGeneration(tombstone ?? 0) };
      try {
        // Absent or deleted before generations: create; a tombstone: replace it only if unchanged.
        if (entry && entry.operation === 'PUT') await this.kv.update(key, encodeJson(created), entry.revision);
        else await this.kv.create(key, encodeJson(created));
        return created;
      } catch (err) {
        if (!isCasConflict(err)) throw wrap(err, `create collection ${wanted.name}`);
        // Someone created it between our read and write: read again and compare.
      }
    }
    throw tooContended(`create collection ${wanted.name}`);
  }

  async adoptCollection(spec: CollectionSpec): Promise<CollectionSpec | null> {
    const wanted = validCollectionSpec(spec);
    const adopted: CollectionSpec = { ...wanted, generation: spec.generation ?? 0 };
    const key = collectionKey(wanted.name);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(key);
      // Any entry (a live spec, a tombstone, a delete marker) is newer knowledge than a shard's copy.
      if (entry) return specOfEntry(entry);
      try {
        await this.kv.create(key, encodeJson(adopted));
        return adopted;
      } catch (err) {
        if (!isCasConflict(err)) throw wrap(err, `adopt collection ${wanted.name}`);
      }
    }
    throw tooContended(`adopt collection ${wanted.name}`);
  }

  async getCollection(name: string): Promise<CollectionSpec | null> {
    if (!NAME_PATTERN.test(name)) return null;
    const entry = await this.kv.get(collectionKey(name));
    return entry ? specOfEntry(entry) : null;
  }

  async listCollections(): Promise<CollectionSpec[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`${COLLECTION_PREFIX}>`)) keys.push(key);
    const specs: CollectionSpec[] = [];
    for (const key of keys) {
      const entry = await this.kv.get(key);
      const spec = entry ? specOfEntry(entry) : null;
      if (spec) specs.push(spec);
    }
    return specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Replaces the spec by a tombstone {name, deletedGeneration} (compare-and-set on the revision read). */
  async deleteCollection(name: string, generation?: number): Promise<boolean> {
    if (!NAME_PATTERN.test(name)) return false;
    const key = collectionKey(name);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(key);
      const existing = entry ? specOfEntry(entry) : null;
      if (!entry || !existing) return false;
      if (generation !== undefined && existing.generation !== generation) return false;
      try {
        // Only if nobody changed it since we read it: exactly one of two racing deletes says true.
        await this.kv.update(key, encodeJson({ name, deletedGeneration: existing.generation }), entry.revision);
        return true;
      } catch (err) {
        if (!isCasConflict(err)) throw wrap(err, `delete collection ${name}`);
      }
    }
    throw tooContended(`delete collection ${name}`);
  }

  async watchCollections(listener: () => void): Promise<() => void> {
    // A re-created bucket lost every collection: that is a change too.
    return this.watch({ key: `${COLLECTION_PREFIX}>`, include: KvWatchInclude.UpdatesOnly }, () => listener(), async () => listener());
  }

  async readDoc<T>(key: string): Promise<StoredDoc<T> | null> {
    const entry = await this.kv.get(docKey(key));
    return entry && entry.operation === 'PUT' ? { value: decodeJson(entry.value) as T, revision: entry.revision } : null;
  }

  async writeDoc(key: string, value: unknown, expectedRevision: number | null): Promise<number | null> {
    const k = docKey(key);
    try {
      if (expectedRevision === null) {
        // kv.create also succeeds over a deleted (tombstoned) key, which is "absent" too.
        return await this.kv.create(k, encodeJson(value));
      }
      return await this.kv.update(k, encodeJson(value), expectedRevision);
    } catch (err) {
      if (isCasConflict(err)) return null;
      throw wrap(err, `write ${key}`);
    }
  }

  async listDocs(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`${docKey(prefix)}.>`)) keys.push(key.slice(DOC_PREFIX.length));
    return keys.sort();
  }

  async deleteDoc(key: string): Promise<void> {
    await this.kv.delete(docKey(key));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = null;
    for (const w of this.watches) w.iter?.stop();
    this.watches.clear();
  }

  private async readRingEntry(): Promise<{ ring: RingState; revision: number | null }> {
    const entry = await this.kv.get(RING_KEY);
    if (!entry || entry.operation !== 'PUT') return { ring: copyRing(EMPTY_RING), revision: null };
    return { ring: parseRing(decodeJson(entry.value)), revision: entry.revision };
  }

  /** Read, compute, compare-and-set; on a lost race, read again. */
  async changeRing(change: (ring: RingState) => RingState): Promise<RingState> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const { ring, revision } = await this.readRingEntry();
      const next = change(ring);
      if (next === ring) return ring;
      try {
        if (revision === null) await this.kv.create(RING_KEY, encodeJson(next));
        else await this.kv.update(RING_KEY, encodeJson(next), revision);
        return next;
      } catch (err) {
        if (!isCasConflict(err)) throw wrap(err, 'update the ring');
        // Jitter so racing writers do not retry in lockstep.
        await delay(Math.floor(Math.random() * Math.min(50, 2 + attempt * 2)));
      }
    }
    throw tooContended('update the ring');
  }

  private async watch(opts: WatchSpec['opts'], onEntry: WatchSpec['onEntry'], onRestart: WatchSpec['onRestart'] = async () => undefined): Promise<() => void> {
    const spec: WatchSpec = { opts, onEntry, onRestart, iter: null };
    await this.startWatch(spec);
    this.watches.add(spec);
    return () => {
      this.watches.delete(spec);
      spec.iter?.stop();
    };
  }

  private async startWatch(spec: WatchSpec): Promise<void> {
    const iter = await this.kv.watch(spec.opts);
    spec.iter = iter;
    void (async () => {
      for await (const entry of iter) {
        try {
          spec.onEntry(entry);
        } catch {
          // A listener's failure must not end the watch for the others.
        }
      }
    })().catch(() => undefined);
  }
}

/** Creates the incarnation key if absent (exactly one racing process wins) and returns its value. */
async function ensureIncarnation(kv: KV): Promise<string> {
  for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
    const entry = await kv.get(INCARNATION_KEY);
    if (entry && entry.operation === 'PUT') return decoder.decode(entry.value);
    try {
      const id = randomUUID();
      await kv.create(INCARNATION_KEY, encoder.encode(id));
      return id;
    } catch (err) {
      if (!isCasConflict(err)) throw err;
    }
  }
  throw tooContended('record the bucket incarnation');
}

function docKey(key: string): string {
  if (!DOC_KEY_PATTERN.test(key)) throw new FaceshardError('INTERNAL', `invalid metadata document key ${JSON.stringify(key)}`);
  return DOC_PREFIX + key;
}

/** JetStream "stream not found" (err_code 10059). */
function isStreamNotFound(err: unknown): boolean {
  return err instanceof NatsError && (err.api_error?.err_code === 10059 || /stream not found/i.test(err.message));
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // One listener's failure must not stop the others.
  }
}

/**
 * The live spec a collection key holds, or null (absent, deleted, or a tombstone). A spec written
 * before generations existed has generation 0, as the shards' collections created before them.
 */
function specOfEntry(entry: KvEntry): CollectionSpec | null {
  if (entry.operation !== 'PUT') return null;
  const value = decodeJson(entry.value) as Record<string, unknown>;
  if (value.deletedGeneration !== undefined) return null;
  return parseCollectionSpec(value);
}

/** JetStream's "wrong last sequence" (err_code 10071): the key changed since we read it. */
export function isCasConflict(err: unknown): boolean {
  if (!(err instanceof NatsError)) return false;
  return err.api_error?.err_code === 10071 || /wrong last sequence/i.test(err.message);
}

function wrap(err: unknown, what: string): FaceshardError {
  if (err instanceof FaceshardError) return err;
  return new FaceshardError('INTERNAL', `cannot ${what} in the cluster metadata store: ${(err as Error).message}`);
}

function tooContended(what: string): FaceshardError {
  return new FaceshardError('BUSY', `could not ${what}: ${MAX_CAS_ATTEMPTS} concurrent writers won the race first`);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const encodeJson = (value: unknown) => encoder.encode(JSON.stringify(value));
const decodeJson = (bytes: Uint8Array): unknown => JSON.parse(decoder.decode(bytes));
