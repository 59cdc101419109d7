import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Packr } from 'msgpackr';
import type { CollectionMeta, IdentityMeta, IdentityTuple } from './collection-meta';
import { decodeMeta, fromIdentityTuple, identityTuple } from './collection-meta';
import type { FreedFaceTuple } from './freed-faces';
import { writeFully, type StoreFs } from './store-fs';
import { encodeFrame, readFrameAt } from './wal-frame';

/**
 * A snapshot's c<N>.meta, written as a sequence of frames so it never exists as one buffer:
 *
 *   frame 0: { v: 2, n: nextLabel, f: freeLabels, c: identity count, t: tombstones, p?: pinned labels, rc?: freed face count }
 *   frame 1..: arrays of identity tuples (collection-meta.ts), at most CHUNK_IDENTITIES each,
 *              c identities in all
 *   then:      arrays of freed-face tuples (freed-faces.ts), at most CHUNK_IDENTITIES each, rc in all
 *
 * Encoding 1M identities in one go held the event loop for ~1.5 s (heartbeats are every 1 s), so
 * the writer encodes a chunk, writes it, and yields whenever it has used SLICE_MS of the loop.
 * Not smaller chunks: each costs a write, so a turn of a busy event loop; with 250 identities a
 * chunk, encoding 1M took ~27 s in the 1M bench (writers piled up beside the frozen collection
 * meanwhile). Snapshots from before (one frame: the whole CollectionMeta) still load.
 * Freed faces get frames of their own for the same reason: a join's sources free a third of their
 * faces, and packing 170k freed-face tuples in one go took 40–120 ms of the loop.
 */
const CHUNK_IDENTITIES = 1000;
const SLICE_MS = 4;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export interface MetaSource extends Omit<CollectionMeta, 'identities' | 'freedFaces'> {
  identityCount: number;
  identities: Iterable<IdentityMeta>;
  freedFaceCount?: number;
  freedFaces?: Iterable<FreedFaceTuple>;
}

/**
 * Writes the file, unsynced: a snapshot writes it as a scratch file while the collection is
 * frozen and makes it durable after the thaw, in the same paced copy as the index
 * (copyDurablyInSteps: syncing it here, in 1 MB steps, held the log's fdatasyncs like the index's).
 */
export async function writeMetaFile(fs: StoreFs, path: string, source: MetaSource): Promise<void> {
  const file = await fs.open(path, 'w');
  try {
    let position = 0;
    const put = async (body: Uint8Array): Promise<void> => {
      const frame = encodeFrame(body);
      await writeFully(file, frame, position);
      position += frame.length;
    };
    const tombstones = (source.tombstones ?? []).map((t) => [t.identityId, t.version]);
    const pinned = source.pinnedLabels?.length ? { p: source.pinnedLabels } : {};
    const freedCount = source.freedFaceCount ?? 0;
    const freed = freedCount > 0 ? { rc: freedCount } : {};
    await put(packr.pack({ v: 2, n: source.nextLabel, f: source.freeLabels, c: source.identityCount, t: tombstones, ...pinned, ...freed }));
    let sliceStart = performance.now();
    /** Packs `items` in chunks, one frame each, yielding once a slice of the loop is used; returns how many. */
    const putChunked = async <T, R>(items: Iterable<T>, toTuple: (item: T) => R): Promise<number> => {
      let chunk: R[] = [];
      let written = 0;
      for (const item of items) {
        chunk.push(toTuple(item));
        if (chunk.length < CHUNK_IDENTITIES) continue;
        await put(packr.pack(chunk));
        written += chunk.length;
        chunk = [];
        if (performance.now() - sliceStart > SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
      if (chunk.length > 0) await put(packr.pack(chunk));
      return written + chunk.length;
    };
    const written = await putChunked(source.identities, identityTuple);
    if (written !== source.identityCount) throw new Error(`collection changed while its metadata was written (${written} of ${source.identityCount})`);
    const freedWritten = freedCount > 0 && source.freedFaces ? await putChunked(source.freedFaces, (tuple: FreedFaceTuple) => tuple) : 0;
    if (freedWritten !== freedCount) throw new Error(`collection changed while its metadata was written (${freedWritten} of ${freedCount} freed faces)`);
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
  const head = packr.unpack(frames[0]) as { v?: number; n: number; f: number[]; c: number; t: [string, number][]; p?: number[]; rc?: number };
  if (head.v !== 2) {
    if (frames.length !== 1) throw new Error(`snapshot file ${path} is damaged (trailing frames)`);
    return decodeMeta(frames[0]);
  }
  // The identities' frames come first (c identities in all), then the freed faces' (rc in all).
  const identities: IdentityMeta[] = [];
  let at = 1;
  for (; at < frames.length && identities.length < head.c; at++) for (const tuple of packr.unpack(frames[at]) as IdentityTuple[]) identities.push(fromIdentityTuple(tuple));
  if (identities.length !== head.c) throw new Error(`snapshot file ${path} holds ${identities.length} identities, its header says ${head.c}`);
  const freedFaces: FreedFaceTuple[] = [];
  for (; at < frames.length; at++) for (const tuple of packr.unpack(frames[at]) as FreedFaceTuple[]) freedFaces.push(tuple);
  if (freedFaces.length !== (head.rc ?? 0)) throw new Error(`snapshot file ${path} holds ${freedFaces.length} freed faces, its header says ${head.rc ?? 0}`);
  const meta: CollectionMeta = { nextLabel: head.n, freeLabels: head.f, identities, tombstones: head.t.map(([identityId, version]) => ({ identityId, version })) };
  if (head.p?.length) meta.pinnedLabels = head.p; // faces the graph cut off (CollectionIndex.pinFace)
  if (freedFaces.length > 0) meta.freedFaces = freedFaces; // removed faces' deleted nodes (freed-faces.ts)
  return meta;
}
