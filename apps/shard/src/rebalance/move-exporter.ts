import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { FaceshardError, type ShardRequest, type ShardResponse, type VersionedIdentity } from '@faceshard/contracts';
import type { ShardStore } from '@faceshard/index';
import { compareCodeUnits, MoveFilter } from '@faceshard/rebalance';
import { RingPlacement } from '@faceshard/ring';
import type { RingView } from '../ring-view';

/** Placement work per event-loop turn while listing what moves (hashing ids on two rings). */
const IDS_PER_SLICE = 2000;
/**
 * Longest the export of a chunk keeps the event loop before letting searches in. A search that
 * arrives meanwhile waits for the slice to end (it is not even read off the socket), so this bounds
 * what a move adds to a source's search latency. Reading a vector back from hnswlib costs ~35 us:
 * a 256-entry chunk took ~9 ms in one piece with 10 ms slices, and bench:rebalance's search p99
 * during a move was 2.6x the p99 without; yielding costs microseconds.
 */
const EXPORT_SLICE_MS = 2;
/** Bytes an entry costs besides its vectors (ids, version, msgpack framing), roughly. */
const ENTRY_OVERHEAD_BYTES = 96;

interface MovingIds {
  ids: string[];
  targets: Map<string, string>;
}

/**
 * The source side of a move: which of this shard's identities (and tombstones) the new ring
 * gives away, streamed in id order, chunk by chunk, resumable from any acknowledged id. The
 * list of moving ids is computed once per move and collection and kept: identities written
 * after it reach their new owner by the gateway's dual writes, not by the stream.
 */
export class MoveExporter {
  private readonly lists = new Map<string, Promise<MovingIds>>();

  constructor(
    private readonly store: ShardStore,
    private readonly shardId: string,
    private readonly ring: RingView,
  ) {}

  async exportChunk(req: ShardRequest<'exportChunk'>): Promise<ShardResponse<'exportChunk'>> {
    validate(req);
    if (req.ringEpoch !== undefined && req.ringEpoch > this.ring.epoch) {
      // The coordinator began the move at this epoch: from now on this source refuses writes
      // placed by an older ring (they would not reach the new owner), and the barrier lets any
      // write already past the fence finish before anything is read for the stream.
      // The view holds rings, not an epoch: read the ring (with the move) the coordinator committed.
      await this.ring.catchUp();
      await this.store.writeBarrier();
    }
    if (!this.store.hasCollection(req.collection, req.generation)) return { entries: [], last: null, done: true, total: 0 };
    const moving = await this.movingIds(req);
    // First id strictly after the cursor (binary search in the sorted list).
    let lo = 0;
    if (req.after !== null) {
      let hi = moving.ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareCodeUnits(moving.ids[mid], req.after) <= 0) lo = mid + 1;
        else hi = mid;
      }
    }
    const entries: { target: string; entry: VersionedIdentity }[] = [];
    let bytes = 0;
    let i = lo;
    let sliceStart = performance.now();
    for (; i < moving.ids.length && entries.length < req.maxEntries; i++) {
      if (performance.now() - sliceStart > EXPORT_SLICE_MS) {
        // Reading vectors back from hnswlib is not free: live searches on this shard go between slices.
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
      const id = moving.ids[i];
      const entry = this.store.exportVersioned(req.collection, id);
      if (entry === null) continue; // gone entirely since the list was made (purged): nothing to hand over
      const size = entrySize(entry);
      if (entries.length > 0 && bytes + size > req.maxBytes) break;
      bytes += size;
      entries.push({ target: moving.targets.get(id)!, entry });
    }
    const last = i > lo ? moving.ids[i - 1] : req.after;
    return { entries, last, done: i >= moving.ids.length, total: moving.ids.length };
  }

  /** Forgets what this shard no longer owns under `members` (after the receivers hold it durably). */
  async dropMoved(req: ShardRequest<'dropMoved'>): Promise<ShardResponse<'dropMoved'>> {
    if (!Array.isArray(req.members) || req.members.length === 0) throw new FaceshardError('VALIDATION_FAILED', 'dropMoved needs the members of the new ring');
    if (!this.store.hasCollection(req.collection, req.generation)) return { dropped: 0 };
    const ring = new RingPlacement({ epoch: 0, members: req.members });
    const foreign: string[] = [];
    const ids = [...this.store.identityIds(req.collection), ...this.store.tombstones(req.collection).map((t) => t.identityId)];
    for (let start = 0; start < ids.length; start += IDS_PER_SLICE) {
      for (const id of ids.slice(start, start + IDS_PER_SLICE)) if (ring.ownerOf(id) !== this.shardId) foreign.push(id);
      await yieldToEventLoop();
    }
    let dropped = 0;
    // In batches, so live writes queue behind a short lock hold, not behind the whole drop.
    for (let start = 0; start < foreign.length; start += 1000) {
      const batch = foreign.slice(start, start + 1000);
      dropped += await this.store.deleteIdentities(req.collection, batch, { generation: req.generation });
      await this.store.purgeTombstones(req.collection, batch, { generation: req.generation });
    }
    for (const key of this.lists.keys()) if (key.endsWith(`\u0000${req.collection}`)) this.lists.delete(key);
    return { dropped };
  }

  private movingIds(req: ShardRequest<'exportChunk'>): Promise<MovingIds> {
    const key = `${req.move.id}\u0000${req.collection}`;
    let list = this.lists.get(key);
    if (!list) {
      list = this.computeMovingIds(req);
      this.lists.set(key, list);
      list.catch(() => this.lists.delete(key));
    }
    return list;
  }

  private async computeMovingIds(req: ShardRequest<'exportChunk'>): Promise<MovingIds> {
    // This shard reads the move's ring by now (exportChunk caught up). Every write it checked
    // against an older ring is applied before the ids are listed; a write checked from here on
    // sees the move, and one of a moving id from a caller that does not apply it on the new owner
    // is refused (ownership.ts). So the list misses no write that the new owner would not get,
    // however late a gateway adopts the move's ring.
    await this.store.writeBarrier();
    const filter = new MoveFilter(req.move.from, req.move.to);
    const live = this.store.identityIds(req.collection);
    const dead = this.store.tombstones(req.collection).map((t) => t.identityId);
    const all = [...live, ...dead];
    const targets = new Map<string, string>();
    // Two md5 placements per id: 50k ids took ~0.6 s of a loaded source's CPU at the start of a
    // move (profile of bench:rebalance); slices by time, so live searches get in between.
    let sliceStart = performance.now();
    for (const id of all) {
      const target = filter.targetOf(id);
      if (target !== null && target !== this.shardId) targets.set(id, target);
      if (performance.now() - sliceStart > EXPORT_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    return { ids: [...targets.keys()].sort(compareCodeUnits), targets };
  }
}

function entrySize(entry: VersionedIdentity): number {
  if (entry.deleted) return ENTRY_OVERHEAD_BYTES + entry.identityId.length;
  let size = ENTRY_OVERHEAD_BYTES + entry.identityId.length;
  for (const face of entry.faces) size += face.vector.byteLength + face.faceId.length + 16 + (face.meta ? JSON.stringify(face.meta).length : 0);
  if (entry.attributes !== undefined) size += JSON.stringify(entry.attributes).length;
  return size;
}

function validate(req: ShardRequest<'exportChunk'>): void {
  const m = req.move;
  if (!m || typeof m.id !== 'string' || !Array.isArray(m.from) || !Array.isArray(m.to) || m.from.length === 0 || m.to.length === 0) {
    throw new FaceshardError('VALIDATION_FAILED', 'exportChunk needs a move with an id and non-empty from/to rings');
  }
  if (!Number.isInteger(req.maxEntries) || req.maxEntries < 1 || !Number.isInteger(req.maxBytes) || req.maxBytes < 1024) {
    throw new FaceshardError('VALIDATION_FAILED', 'exportChunk needs maxEntries >= 1 and maxBytes >= 1024');
  }
  if (req.after !== null && typeof req.after !== 'string') throw new FaceshardError('VALIDATION_FAILED', 'exportChunk cursor must be a string or null');
}
