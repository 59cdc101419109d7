import { setTimeout as delay } from 'node:timers/promises';
import { KvWatchInclude, NatsError, type KV, type KvEntry, type NatsConnection, type QueuedIterator } from 'nats';
import { FaceshardError, NAME_PATTERN, type CollectionSpec, type RingState } from '@faceshard/contracts';
import { assertClusterName } from '@faceshard/messaging';
import { collectionExists, parseCollectionSpec, sameCollectionSpec, validCollectionSpec } from './collection-spec';
import type { ClusterMetadataStore } from './metadata-store';
import { EMPTY_RING, copyRing, parseRing, ringWithMember, ringWithoutMember } from './ring-state';

const RING_KEY = 'ring';
const COLLECTION_PREFIX = 'collection.';
/** A CAS loop gives up after this many lost races; each lost race means another writer won. */
const MAX_CAS_ATTEMPTS = 200;

export interface JetStreamMetadataStoreOptions {
  /** Stream replicas of the KV bucket: 1 for a single NATS server, 3 for a 3-node NATS cluster. */
  replicas?: number;
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
  private readonly watchers = new Set<QueuedIterator<KvEntry>>();

  private constructor(
    private readonly kv: KV,
    readonly bucket: string,
  ) {}

  static async open(nc: NatsConnection, cluster: string, opts: JetStreamMetadataStoreOptions = {}): Promise<JetStreamMetadataStore> {
    assertClusterName(cluster);
    const bucket = metadataBucketName(cluster);
    try {
      // Creates the bucket, or binds to it when it exists (idempotent across processes).
      const kv = await nc.jetstream().views.kv(bucket, { history: 5, replicas: opts.replicas ?? 1 });
      return new JetStreamMetadataStore(kv, bucket);
    } catch (err) {
      throw new FaceshardError('INTERNAL', `cannot open JetStream KV bucket ${bucket} (is JetStream enabled on the NATS server?): ${(err as Error).message}`);
    }
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

  async watchRing(listener: (ring: RingState) => void): Promise<() => void> {
    // Revisions only go up: each state is delivered once, never an older one after a newer.
    let lastRevision = -1;
    const deliver = (revision: number, ring: RingState) => {
      if (revision <= lastRevision) return;
      lastRevision = revision;
      listener(ring);
    };
    const stop = await this.watch({ key: RING_KEY }, (entry) =>
      deliver(entry.revision, entry.operation === 'PUT' ? parseRing(decodeJson(entry.value)) : copyRing(EMPTY_RING)),
    );
    // The watch delivers the current value only if the key exists; read it so the listener
    // always has the current ring (the empty one at revision 0) before this resolves.
    const { ring, revision } = await this.readRingEntry();
    deliver(revision ?? 0, ring);
    return stop;
  }

  async createCollection(spec: CollectionSpec): Promise<CollectionSpec> {
    const wanted = validCollectionSpec(spec);
    const key = collectionKey(wanted.name);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(key);
      if (entry && entry.operation === 'PUT') {
        const existing = parseCollectionSpec(decodeJson(entry.value));
        if (sameCollectionSpec(existing, wanted)) return existing;
        throw collectionExists(existing);
      }
      try {
        await this.kv.create(key, encodeJson(wanted));
        return wanted;
      } catch (err) {
        if (!isCasConflict(err)) throw wrap(err, `create collection ${wanted.name}`);
        // Someone created it between our read and write: read again and compare.
      }
    }
    throw tooContended(`create collection ${wanted.name}`);
  }

  async getCollection(name: string): Promise<CollectionSpec | null> {
    if (!NAME_PATTERN.test(name)) return null;
    const entry = await this.kv.get(collectionKey(name));
    return entry && entry.operation === 'PUT' ? parseCollectionSpec(decodeJson(entry.value)) : null;
  }

  async listCollections(): Promise<CollectionSpec[]> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`${COLLECTION_PREFIX}>`)) keys.push(key);
    const specs: CollectionSpec[] = [];
    for (const key of keys) {
      const entry = await this.kv.get(key);
      if (entry && entry.operation === 'PUT') specs.push(parseCollectionSpec(decodeJson(entry.value)));
    }
    return specs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async deleteCollection(name: string): Promise<boolean> {
    if (!NAME_PATTERN.test(name)) return false;
    const key = collectionKey(name);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== 'PUT') return false;
      try {
        // Only if nobody changed it since we read it: exactly one of two racing deletes says true.
        await this.kv.delete(key, { previousSeq: entry.revision });
        return true;
      } catch (err) {
        if (!isCasConflict(err)) throw wrap(err, `delete collection ${name}`);
      }
    }
    throw tooContended(`delete collection ${name}`);
  }

  async watchCollections(listener: () => void): Promise<() => void> {
    return this.watch({ key: `${COLLECTION_PREFIX}>`, include: KvWatchInclude.UpdatesOnly }, () => listener());
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.stop();
    this.watchers.clear();
  }

  private async readRingEntry(): Promise<{ ring: RingState; revision: number | null }> {
    const entry = await this.kv.get(RING_KEY);
    if (!entry || entry.operation !== 'PUT') return { ring: copyRing(EMPTY_RING), revision: null };
    return { ring: parseRing(decodeJson(entry.value)), revision: entry.revision };
  }

  /** Read, compute, compare-and-set; on a lost race, read again. */
  private async changeRing(change: (ring: RingState) => RingState): Promise<RingState> {
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

  private async watch(opts: { key: string; include?: KvWatchInclude }, onEntry: (entry: KvEntry) => void): Promise<() => void> {
    const iter = await this.kv.watch(opts);
    this.watchers.add(iter);
    void (async () => {
      for await (const entry of iter) {
        try {
          onEntry(entry);
        } catch {
          // A listener's failure must not end the watch for the others.
        }
      }
    })().catch(() => undefined);
    return () => {
      this.watchers.delete(iter);
      iter.stop();
    };
  }
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
