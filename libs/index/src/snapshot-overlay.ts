import type { IdentityUpsert, SearchHit, StoredIdentity, VersionedIdentity } from '@faceshard/contracts';
import { CollectionIndex, type HnswParams, type SearchOptions } from './collection-index';
import { applyCollectionOp, identitiesChangedBy, splitCollectionOp, type CollectionOp } from './collection-op';
import { VectorTable } from './integrity/vector-table';
import type { VersionStamp } from './version-order';

/** What the store reads from a collection: the collection itself, or a frozen one's overlay. */
export type CollectionReads = Pick<
  CollectionIndex,
  'stampOf' | 'versionFloor' | 'has' | 'get' | 'exportVersioned' | 'exportIdentity' | 'identityIds' | 'tombstoneList' | 'identityCount' | 'faceCount' | 'search'
>;

/**
 * Lets writers go on while a collection is frozen: hnswlib writes the index file from a worker
 * thread reading the live index (a snapshot, or the graph upkeep's look at the links), so
 * nothing may change it, and the snapshot streams the metadata, which must not change either.
 *
 * While frozen, each change (already in the log, in log order) is queued for the collection and
 * applied to a small side collection that holds the newest state of every identity changed since
 * the freeze (seeded with the frozen copy of the identity, then changed the same way the
 * collection will be). Reads answer from the side collection for those identities and from the
 * frozen collection for the rest; a search merges both (the side collection is searched exactly).
 * Once the files are written, the queue is applied to the collection in short slices, in order:
 * the collection then reaches exactly the state replaying the log gives, labels included.
 */
export class SnapshotOverlay implements CollectionReads {
  private readonly side: CollectionIndex;
  /** Ids changed since the freeze: for these the side collection is the truth (absent there = absent). */
  private readonly touched = new Set<string>();
  private readonly queue: CollectionOp[] = [];
  private applied = 0;
  /**
   * Set once the frozen files are written and the queue is being applied. From then on each new
   * change also applies twice as many queued ones as it adds (see defer): a writer deferring a
   * change costs far less than applying one (no HNSW insert), so without this a steady writer
   * would grow the queue faster than the thaw slices shrink it, and the thaw would never end. Not
   * just as many: the side collection keeps every identity changed until the thaw ends, and it is
   * searched exactly; with the queue merely held level, a bulk load (1000-identity batches between
   * thaw slices of a few ms, each slice applying a few dozen) keeps the thaw going for as long as the load
   * and grows the side by everything it writes, so searches become exact scans of it (the likely
   * cause of bench/cluster README's exact-scan round, 5 QPS at ef 64; not re-measured). Twice as
   * many shrinks the queue by what each write adds, so the side grows by at most the queue's
   * length (about maxHeldChanges) during the thaw.
   */
  thawing = false;
  private thawStarted: (() => void) | null = null;
  private readonly thawStart = new Promise<void>((resolve) => (this.thawStarted = resolve));

  /** The files are written: from now on changes are applied to the collection (see `thawing`). */
  beginThaw(): void {
    this.thawing = true;
    this.thawStarted?.();
  }

  /** Resolves once beginThaw() was called. */
  thawBegun(): Promise<void> {
    return this.thawStart;
  }

  constructor(
    readonly collection: CollectionIndex,
    params: HnswParams,
  ) {
    this.side = CollectionIndex.create(collection.spec, params, () => new VectorTable());
  }

  /**
   * Queues a logged change for the collection and makes it visible to reads at once. While
   * thawing, applies twice as many queued changes (oldest first) as it queued, through `apply`.
   */
  defer(op: CollectionOp, apply: (run: () => void) => void = (run) => run()): void {
    for (const identityId of identitiesChangedBy(op)) this.touch(identityId);
    if (op.type !== 'pin') applyCollectionOp(this.side, op); // pins widen the graph search; the side search is exact
    const parts = splitCollectionOp(op);
    this.queue.push(...parts);
    if (this.thawing) this.applyQueued(2 * parts.length, apply);
  }

  /** Changes still to apply to the collection. */
  get pending(): number {
    return this.queue.length - this.applied;
  }

  /**
   * Applies queued changes to the collection, oldest first, until the queue is empty or `budgetMs`
   * has passed; `apply` wraps each (the store stops taking writes if one fails). True once empty.
   */
  drain(budgetMs: number, apply: (run: () => void) => void): boolean {
    this.beginThaw();
    const started = performance.now();
    while (this.applied < this.queue.length) {
      this.applyQueued(1, apply);
      if (performance.now() - started >= budgetMs) break;
    }
    return this.applied === this.queue.length;
  }

  private applyQueued(count: number, apply: (run: () => void) => void): void {
    for (let n = 0; n < count && this.applied < this.queue.length; n++) {
      const op = this.queue[this.applied];
      apply(() => applyCollectionOp(this.collection, op));
      this.applied++;
    }
    if (this.applied > 1024 && this.applied * 2 > this.queue.length) {
      this.queue.splice(0, this.applied); // applied changes need not be kept
      this.applied = 0;
    }
  }

  stampOf(identityId: string): VersionStamp | undefined {
    return this.readerOf(identityId).stampOf(identityId);
  }

  versionFloor(identityId: string): number {
    return this.readerOf(identityId).versionFloor(identityId);
  }

  has(identityId: string): boolean {
    return this.readerOf(identityId).has(identityId);
  }

  get(identityId: string): StoredIdentity | null {
    return this.readerOf(identityId).get(identityId);
  }

  exportVersioned(identityId: string): VersionedIdentity | null {
    return this.readerOf(identityId).exportVersioned(identityId);
  }

  exportIdentity(identityId: string): IdentityUpsert | null {
    return this.readerOf(identityId).exportIdentity(identityId);
  }

  identityIds(): string[] {
    const kept = this.collection.identityIds().filter((id) => !this.touched.has(id) || this.side.has(id));
    return [...kept, ...this.side.identityIds().filter((id) => !this.collection.has(id))];
  }

  tombstoneList(): { identityId: string; version: number }[] {
    return [...this.collection.tombstoneList().filter((t) => !this.touched.has(t.identityId)), ...this.side.tombstoneList()];
  }

  get identityCount(): number {
    let count = this.collection.identityCount;
    for (const id of this.touched) count += Number(this.side.has(id)) - Number(this.collection.has(id));
    return count;
  }

  get faceCount(): number {
    let count = this.collection.faceCount;
    for (const id of this.touched) count += faceCountOf(this.side.get(id)) - faceCountOf(this.collection.get(id));
    return count;
  }

  /**
   * The k best of both: the collection's hits for identities not changed since the freeze (asking
   * for more while changed ones crowd them out), and the side collection's.
   */
  search(query: Float32Array, k: number, options?: SearchOptions): SearchHit[] {
    const hits = this.side.faceCount > 0 ? this.side.search(query, k, options) : [];
    for (let fetch = k; ; fetch = Math.min(fetch * 2, this.collection.identityCount)) {
      const found = this.collection.search(query, fetch, options);
      const current = found.filter((hit) => !this.touched.has(hit.identityId));
      if (current.length >= k || found.length < fetch || fetch >= this.collection.identityCount) {
        hits.push(...current);
        break;
      }
    }
    return hits.sort(byScoreThenId).slice(0, k);
  }

  private readerOf(identityId: string): CollectionIndex {
    return this.touched.has(identityId) ? this.side : this.collection;
  }

  /** First change of an id since the freeze: the side collection starts from the frozen copy. */
  private touch(identityId: string): void {
    if (this.touched.has(identityId)) return;
    this.touched.add(identityId);
    const copy = this.collection.exportVersioned(identityId);
    if (copy) for (const entry of this.side.prepareVersioned([copy])) this.side.applyVersioned(entry);
  }
}

function faceCountOf(identity: StoredIdentity | null): number {
  return identity?.faceIds.length ?? 0;
}

function byScoreThenId(a: SearchHit, b: SearchHit): number {
  if (b.score !== a.score) return b.score - a.score;
  return a.identityId < b.identityId ? -1 : a.identityId > b.identityId ? 1 : 0;
}
