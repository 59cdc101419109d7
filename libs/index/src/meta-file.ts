import { setTimeout as sleep } from 'node:timers/promises';
import { Packr } from 'msgpackr';
import type { CollectionMeta, IdentityMeta, IdentityTuple } from './collection-meta';
import { decodeMeta, fromIdentityTuple, identityTuple } from './collection-meta';
import type { FreedFaceTuple } from './freed-faces';
import { writeFully, type StoreFs } from './store-fs';
import { encodeFrame, readFrameAt } from './wal-frame';

/**
 * A snapshot's c<N>.meta, written as a sequence of frames so it never exists as one buffer:
 *
 *   frame 0: { v: 3, n: nextLabel, c: identity count, fc: free label count, tc: tombstone count, p?: pinned labels, rc?: freed face count }
 *   frame 1..: arrays of identity tuples (collection-meta.ts), at most META_FRAME_ITEMS each,
 *              c identities in all
 *   then:      arrays of freed-face tuples (freed-faces.ts), at most META_FRAME_ITEMS each, rc in all
 *   then:      arrays of free labels, fc in all, then arrays of [identityId, version] tombstones, tc
 *              in all, in chunks of the same size
 *
 * Encoding 1M identities in one go held the event loop for ~1.5 s (heartbeats are every 1 s), so
 * the writer packs a frame of META_FRAME_ITEMS at a time and, whenever it has used SLICE_MS of the
 * loop, pauses half as long (a bare setImmediate turn instead cost writers ~3 ms of p99 in the 1M
 * bench: their continuations each waited a slice). Frames are not written one by one but gathered
 * into writes of about WRITE_BYTES:
 * when each frame was a write, the loop turned only when the thread pool (busy with the index
 * file) had done it, so frames had to be large (1000 identities), and packing one beside a
 * snapshot's other threads took 10–18 ms of the loop (the 1M bench's longest gaps, all in
 * msgpackr's pack); 250-identity frames written one by one made the 1M encoding take ~27 s.
 * Snapshots from before (one frame: the whole CollectionMeta; 1000-identity frames) still load.
 * Freed faces get frames of their own for the same reason: a join's sources free a third of their
 * faces, and packing 170k freed-face tuples in one go took 40–120 ms of the loop. So do the free
 * labels and the tombstones (v2 packed both in the head frame): each grows with the faces or
 * identities a move or a mass delete took away, and a head frame holding them was one slice as
 * long as they are. v2 files (lists in the head) and v1 files (one frame) still load.
 */
/** Items (identities, freed faces, free labels, tombstones) per frame. */
export const META_FRAME_ITEMS = 250;
const SLICE_MS = 2;
/** After a slice the writer pauses this share of it (at most MAX_PAUSE_MS): see the pause below. */
const PAUSE_FACTOR = 0.5;
const MAX_PAUSE_MS = 4;
const WRITE_BYTES = 1 << 20;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export interface MetaSource extends Omit<CollectionMeta, 'identities' | 'freedFaces' | 'freeLabels' | 'tombstones'> {
  identityCount: number;
  identities: Iterable<IdentityMeta>;
  freedFaceCount?: number;
  freedFaces?: Iterable<FreedFaceTuple>;
  freeLabelCount: number;
  freeLabels: Iterable<number>;
  tombstoneCount: number;
  /** [identityId, version] of each delete. */
  tombstones: Iterable<TombstoneTuple>;
}

export type TombstoneTuple = [identityId: string, version: number];

/**
 * Writes the file, unsynced: a snapshot writes it as a scratch file while the collection is
 * frozen and makes it durable after the thaw, in the same paced copy as the index
 * (copyDurablyInSteps: syncing it here, in 1 MB steps, held the log's fdatasyncs like the index's).
 */
export async function writeMetaFile(fs: StoreFs, path: string, source: MetaSource): Promise<void> {
  const file = await fs.open(path, 'w');
  try {
    let position = 0;
    let sliceStart = performance.now();
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const bytes = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await writeFully(file, bytes, position);
      position += bytes.length;
      sliceStart = performance.now(); // the write gave the loop its turn
    };
    const put = async (body: Uint8Array): Promise<void> => {
      const frame = encodeFrame(body);
      pending.push(frame);
      pendingBytes += frame.length;
      if (pendingBytes >= WRITE_BYTES) await flush();
    };
    const pinned = source.pinnedLabels?.length ? { p: source.pinnedLabels } : {};
    const freedCount = source.freedFaceCount ?? 0;
    const freed = freedCount > 0 ? { rc: freedCount } : {};
    await put(packr.pack({ v: 3, n: source.nextLabel, c: source.identityCount, fc: source.freeLabelCount, tc: source.tombstoneCount, ...pinned, ...freed }));
    /** Packs `items` in chunks, one frame each, yielding once a slice of the loop is used; returns how many. */
    const putChunked = async <T, R>(items: Iterable<T>, toTuple: (item: T) => R): Promise<number> => {
      let chunk: R[] = [];
      let written = 0;
      for (const item of items) {
        chunk.push(toTuple(item));
        if (chunk.length < META_FRAME_ITEMS) continue;
        await put(packr.pack(chunk));
        written += chunk.length;
        chunk = [];
        const used = performance.now() - sliceStart;
        if (used > SLICE_MS) {
          // A pause, not only a turn: the writers' continuations (log write, fdatasync, reply) then
          // run on an idle loop instead of one slice apart each.
          await sleep(Math.min(MAX_PAUSE_MS, used * PAUSE_FACTOR));
          sliceStart = performance.now();
        }
      }
      if (chunk.length > 0) await put(packr.pack(chunk));
      return written + chunk.length;
    };
    const same = <T>(item: T): T => item;
    const written = await putChunked(source.identities, identityTuple);
    if (written !== source.identityCount) throw new Error(`collection changed while its metadata was written (${written} of ${source.identityCount})`);
    const freedWritten = freedCount > 0 && source.freedFaces ? await putChunked(source.freedFaces, same) : 0;
    if (freedWritten !== freedCount) throw new Error(`collection changed while its metadata was written (${freedWritten} of ${freedCount} freed faces)`);
    const freeWritten = await putChunked(source.freeLabels, same);
    if (freeWritten !== source.freeLabelCount) throw new Error(`collection changed while its metadata was written (${freeWritten} of ${source.freeLabelCount} free labels)`);
    const tombstonesWritten = await putChunked(source.tombstones, same);
    if (tombstonesWritten !== source.tombstoneCount) throw new Error(`collection changed while its metadata was written (${tombstonesWritten} of ${source.tombstoneCount} tombstones)`);
    await flush();
  } finally {
    await file.close();
  }
}

/** Decodes a meta file of either format; damage anywhere is an error. */
export function decodeMetaFile(bytes: Buffer, path: string): CollectionMeta {
  const frames: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const frame = readFrameAt(bytes, at);
    if (frame.kind !== 'ok') throw new Error(`snapshot file ${path} is damaged at byte ${at}`);
    frames.push(frame.body);
    at = frame.next;
  }
  if (frames.length === 0) throw new Error(`snapshot file ${path} is damaged (empty)`);
  const head = packr.unpack(frames[0]) as { v?: number; n: number; c: number; f?: number[]; t?: TombstoneTuple[]; fc?: number; tc?: number; p?: number[]; rc?: number };
  if (head.v !== 2 && head.v !== 3) {
    if (frames.length !== 1) throw new Error(`snapshot file ${path} is damaged (trailing frames)`);
    return decodeMeta(frames[0]);
  }
  // In order: c identities, rc freed faces, then (v3) fc free labels and tc tombstones, each in frames of their own.
  let at = 1;
  /** The next frames' items until `count` are read; a frame straddling two lists, or too few items, is damage. */
  const readList = <T>(what: string, count: number): T[] => {
    const items: T[] = [];
    for (; at < frames.length && items.length < count; at++) for (const item of packr.unpack(frames[at]) as T[]) items.push(item);
    if (items.length !== count) throw new Error(`snapshot file ${path} holds ${items.length} ${what}, its header says ${count}`);
    return items;
  };
  const identities = readList<IdentityTuple>('identities', head.c).map(fromIdentityTuple);
  const freedFaces = readList<FreedFaceTuple>('freed faces', head.rc ?? 0);
  const freeLabels = head.v === 3 ? readList<number>('free labels', head.fc ?? 0) : (head.f ?? []);
  const tombstones = head.v === 3 ? readList<TombstoneTuple>('tombstones', head.tc ?? 0) : (head.t ?? []);
  if (at !== frames.length) throw new Error(`snapshot file ${path} has ${frames.length - at} frames more than its header accounts for`);
  const meta: CollectionMeta = { nextLabel: head.n, freeLabels, identities, tombstones: tombstones.map(([identityId, version]) => ({ identityId, version })) };
  if (head.p?.length) meta.pinnedLabels = head.p; // faces the graph cut off (CollectionIndex.pinFace)
  if (freedFaces.length > 0) meta.freedFaces = freedFaces; // removed faces' deleted nodes (freed-faces.ts)
  return meta;
}
