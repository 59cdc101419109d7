import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { encodeMeta, identityTuple, type CollectionMeta } from './collection-meta';
import type { FreedFaceTuple } from './freed-faces';
import { decodeMetaFile, META_FRAME_ITEMS, writeMetaFile, type MetaSource } from './meta-file';
import { nodeStoreFs, type StoreFs } from './store-fs';
import { encodeFrame } from './wal-frame';

function meta(identities: number, freed = 2, deleted = 1): CollectionMeta {
  return {
    nextLabel: identities * 2 + 3 + deleted,
    freeLabels: deleted === 1 ? [1, 2, 3] : Array.from({ length: deleted }, (_, n) => identities * 2 + 3 + n),
    identities: Array.from({ length: identities }, (_, n) => ({
      identityId: `id-${n}`,
      ...(n % 3 === 0 ? {} : { attributes: { n, name: `person ${n}` } }),
      faceIds: ['a', 'b'],
      labels: [2 * n + 3, 2 * n + 4],
      ...(n % 5 === 0 ? { faceMeta: { a: { source: 'x.jpg' } } } : {}),
      version: n + 1,
    })),
    tombstones: deleted === 1 ? [{ identityId: 'gone', version: 7 }] : Array.from({ length: deleted }, (_, n) => ({ identityId: `gone-${n}`, version: 7 + n })),
    ...(freed > 0 ? { freedFaces: Array.from({ length: freed }, (_, n): FreedFaceTuple => [1 + 2 * n, n % 2 === 0 ? 'gone' : `id-${n}`, `old-${n}`, n % 7 === 0 ? 1 : 0]) } : {}),
  };
}

/** What a collection hands the writer: the same meta, its lists as iterables. */
function source(expected: CollectionMeta, identities: Iterable<CollectionMeta['identities'][number]> = expected.identities): MetaSource {
  const freedFaces = expected.freedFaces ?? [];
  const tombstones = expected.tombstones ?? [];
  return {
    ...expected,
    identityCount: expected.identities.length,
    identities,
    freedFaceCount: freedFaces.length,
    freedFaces,
    freeLabelCount: expected.freeLabels.length,
    tombstoneCount: tombstones.length,
    tombstones: tombstones.map((t): [string, number] => [t.identityId, t.version]),
  };
}

/** The file's frames' offsets (each frame: u32 length, u32 CRC, body). */
function frameStarts(bytes: Buffer): number[] {
  const starts: number[] = [];
  for (let at = 0; at < bytes.length; at += bytes.readUInt32LE(at) + 8) starts.push(at);
  return starts;
}

describe('snapshot metadata file (streamed in frames)', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'faceshard-metafile-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips a collection of several chunks, consuming the identities lazily', async () => {
    const expected = meta(2500);
    const path = join(dir, 'c0.meta');
    let produced = 0;
    function* lazily() {
      for (const entry of expected.identities) {
        produced++;
        yield entry;
      }
    }
    await writeMetaFile(nodeStoreFs, path, source(expected, lazily()));
    expect(produced).toBe(2500);
    expect(decodeMetaFile(readFileSync(path), path)).toEqual(expected);
  });

  it('writes freed faces in frames of their own after the identities (none packed in the head), and reads them back', async () => {
    const expected = meta(1500, 2500);
    const path = join(dir, 'c0.meta');
    let produced = 0;
    function* lazily() {
      for (const tuple of expected.freedFaces!) {
        produced++;
        yield tuple;
      }
    }
    await writeMetaFile(nodeStoreFs, path, { ...source(expected), freedFaces: lazily() });
    expect(produced).toBe(2500);
    const bytes = readFileSync(path);
    expect(decodeMetaFile(bytes, path)).toEqual(expected);
    // The head frame stays small whatever the number of freed faces (the 2,500 tuples are ~60 KB).
    const headLength = bytes.readUInt32LE(0);
    expect(headLength).toBeLessThan(200);
    const none = meta(3, 0);
    await writeMetaFile(nodeStoreFs, path, source(none));
    expect(decodeMetaFile(readFileSync(path), path)).toEqual(none);
  });

  it('refuses a file whose freed faces do not add up to its header, and freed faces that changed while written', async () => {
    const expected = meta(10, 1500);
    const path = join(dir, 'c0.meta');
    await expect(writeMetaFile(nodeStoreFs, path, { ...source(expected), freedFaceCount: 1501 })).rejects.toThrow(/changed while.*freed faces/);
    const shorter = meta(10, 1000);
    await writeMetaFile(nodeStoreFs, path, { ...source(shorter), freedFaceCount: 1000 });
    const bytes = readFileSync(path);
    // Cut before the freed faces' first frame (head, one frame of identities): the header still says 1,000.
    expect(() => decodeMetaFile(bytes.subarray(0, frameStarts(bytes)[2]), path)).toThrow(/holds 0 freed faces, its header says 1000/);
  });

  it('writes free labels and tombstones in frames of their own (the head stays small after a mass delete), and reads them back', async () => {
    const expected = meta(1200, 0, 2500);
    const path = join(dir, 'c0.meta');
    await writeMetaFile(nodeStoreFs, path, source(expected));
    const bytes = readFileSync(path);
    expect(decodeMetaFile(bytes, path)).toEqual(expected);
    // 2,500 free labels and 2,500 tombstones (~45 KB) are not in the head frame.
    expect(bytes.readUInt32LE(0)).toBeLessThan(200);
    // Identities, free labels and tombstones in frames of META_FRAME_ITEMS each.
    const frames = (n: number) => Math.ceil(n / META_FRAME_ITEMS);
    expect(frameStarts(bytes)).toHaveLength(1 + frames(1200) + frames(2500) + frames(2500));
  });

  it('refuses a file whose free labels or tombstones do not add up to its header, and lists that changed while written', async () => {
    const expected = meta(10, 0, 1500);
    const path = join(dir, 'c0.meta');
    await expect(writeMetaFile(nodeStoreFs, path, { ...source(expected), freeLabelCount: 1501 })).rejects.toThrow(/changed while.*free labels/);
    await expect(writeMetaFile(nodeStoreFs, path, { ...source(expected), tombstoneCount: 1499 })).rejects.toThrow(/changed while.*tombstones/);
    await writeMetaFile(nodeStoreFs, path, source(expected));
    const bytes = readFileSync(path);
    const starts = frameStarts(bytes);
    const lastFrameItems = 1500 - (Math.ceil(1500 / META_FRAME_ITEMS) - 1) * META_FRAME_ITEMS;
    // Without the last frame (the tombstones' last): the header still says 1,500.
    expect(() => decodeMetaFile(bytes.subarray(0, starts[starts.length - 1]), path)).toThrow(new RegExp(`holds ${1500 - lastFrameItems} tombstones, its header says 1500`));
    // Without the frames of free labels: the tombstones' frames take their place, and none are left for the tombstones.
    const freeFrames = Math.ceil(1500 / META_FRAME_ITEMS);
    const withoutFree = Buffer.concat([bytes.subarray(0, starts[2]), bytes.subarray(starts[2 + freeFrames])]);
    expect(() => decodeMetaFile(withoutFree, path)).toThrow(/holds 0 tombstones, its header says 1500/);
    // A frame more than the header accounts for.
    expect(() => decodeMetaFile(Buffer.concat([bytes, bytes.subarray(starts[1], starts[2])]), path)).toThrow(/frames more than its header/);
  });

  it('gathers frames into writes of about a megabyte, not one write per frame, and the file reads back whole', async () => {
    const expected = meta(20_000, 0, 300);
    const path = join(dir, 'c0.meta');
    const writes: number[] = [];
    const countingFs: StoreFs = {
      ...nodeStoreFs,
      async open(file, flags) {
        const handle = await nodeStoreFs.open(file, flags);
        const write = handle.write.bind(handle);
        handle.write = (data, offset, length, position) => (writes.push(length), write(data, offset, length, position));
        return handle;
      },
    };
    await writeMetaFile(countingFs, path, source(expected));
    const bytes = readFileSync(path);
    expect(decodeMetaFile(bytes, path)).toEqual(expected);
    const frameCount = frameStarts(bytes).length;
    expect(frameCount).toBeGreaterThan(80); // 20,000 identities in frames of META_FRAME_ITEMS
    expect(writes.length).toBeLessThanOrEqual(Math.ceil(bytes.length / (1 << 20)) + 1);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(bytes.length);
  });

  it('reads the v2 format (free labels and tombstones in the head frame)', () => {
    const expected = meta(1500);
    const path = join(dir, 'v2.meta');
    const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
    const head = { v: 2, n: expected.nextLabel, f: expected.freeLabels, c: 1500, t: expected.tombstones!.map((t) => [t.identityId, t.version]), rc: 2 };
    const tuples = expected.identities.map(identityTuple);
    const frames = [head, tuples.slice(0, 1000), tuples.slice(1000), expected.freedFaces].map((body) => encodeFrame(packr.pack(body)));
    writeFileSync(path, Buffer.concat(frames));
    expect(decodeMetaFile(readFileSync(path), path)).toEqual(expected);
  });

  it('reads the one-frame format of earlier snapshots', () => {
    const expected = meta(10);
    const path = join(dir, 'old.meta');
    writeFileSync(path, encodeFrame(encodeMeta(expected)));
    expect(decodeMetaFile(readFileSync(path), path)).toEqual(expected);
  });

  it('refuses a file with a damaged or missing chunk, and a collection that changed while written', async () => {
    const expected = meta(2500);
    const path = join(dir, 'c0.meta');
    await writeMetaFile(nodeStoreFs, path, source(expected));
    const bytes = readFileSync(path);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 10] ^= 1;
    expect(() => decodeMetaFile(flipped, path)).toThrow(/damaged at byte/);
    expect(() => decodeMetaFile(bytes.subarray(0, bytes.length - 500), path)).toThrow(/damaged at byte/);
    await expect(writeMetaFile(nodeStoreFs, path, { ...source(expected), identityCount: 2501 })).rejects.toThrow(/changed while/);
  });
});
