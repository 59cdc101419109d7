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
 *   frame 0: { v: 2, n: nextLabel, f: freeLabels, c: identity count, t: tombstones, p?: pinned labels, r?: freed faces }
 *   frame 1..: arrays of identity tuples (collection-meta.ts), at most CHUNK_IDENTITIES each
 *
 * Encoding 1M identities in one go held the event loop for ~1.5 s (heartbeats are every 1 s), so
 * the writer encodes a chunk, writes it, and yields whenever it has used SLICE_MS of the loop.
 * Not smaller chunks: each costs a write, so a turn of a busy event loop; with 250 identities a
 * chunk, encoding 1M took ~27 s in the 1M bench (writers piled up beside the frozen collection
 * meanwhile). Snapshots from before (one frame: the whole CollectionMeta) still load.
 */
const CHUNK_IDENTITIES = 1000;
const SLICE_MS = 4;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export interface MetaSource extends Omit<CollectionMeta, 'identities'> {
  identityCount: number;
  identities: Iterable<IdentityMeta>;
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
    const freed = source.freedFaces?.length ? { r: source.freedFaces } : {};
    await put(packr.pack({ v: 2, n: source.nextLabel, f: source.freeLabels, c: source.identityCount, t: tombstones, ...pinned, ...freed }));
    let sliceStart = performance.now();
    let chunk: IdentityTuple[] = [];
    let written = 0;
    for (const entry of source.identities) {
      chunk.push(identityTuple(entry));
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
    written += chunk.length;
    if (written !== source.identityCount) throw new Error(`collection changed while its metadata was written (${written} of ${source.identityCount})`);
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
  const head = packr.unpack(frames[0]) as { v?: number; n: number; f: number[]; c: number; t: [string, number][]; p?: number[]; r?: FreedFaceTuple[] };
  if (head.v !== 2) {
    if (frames.length !== 1) throw new Error(`snapshot file ${path} is damaged (trailing frames)`);
    return decodeMeta(frames[0]);
  }
  const identities: IdentityMeta[] = [];
  for (const body of frames.slice(1)) for (const tuple of packr.unpack(body) as IdentityTuple[]) identities.push(fromIdentityTuple(tuple));
  if (identities.length !== head.c) throw new Error(`snapshot file ${path} holds ${identities.length} identities, its header says ${head.c}`);
  const meta: CollectionMeta = { nextLabel: head.n, freeLabels: head.f, identities, tombstones: head.t.map(([identityId, version]) => ({ identityId, version })) };
  if (head.p?.length) meta.pinnedLabels = head.p; // faces the graph cut off (CollectionIndex.pinFace)
  if (head.r?.length) meta.freedFaces = head.r; // removed faces' deleted nodes (freed-faces.ts)
  return meta;
}
