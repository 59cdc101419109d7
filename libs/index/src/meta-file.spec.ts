import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeMeta, type CollectionMeta } from './collection-meta';
import { decodeMetaFile, writeMetaFile } from './meta-file';
import { nodeStoreFs } from './store-fs';
import { encodeFrame } from './wal-frame';

function meta(identities: number): CollectionMeta {
  return {
    nextLabel: identities * 2 + 3,
    freeLabels: [1, 2, 3],
    identities: Array.from({ length: identities }, (_, n) => ({
      identityId: `id-${n}`,
      ...(n % 3 === 0 ? {} : { attributes: { n, name: `person ${n}` } }),
      faceIds: ['a', 'b'],
      labels: [2 * n + 3, 2 * n + 4],
      ...(n % 5 === 0 ? { faceMeta: { a: { source: 'x.jpg' } } } : {}),
      version: n + 1,
    })),
    tombstones: [{ identityId: 'gone', version: 7 }],
    freedFaces: [
      [1, 'gone', 'a', 0],
      [3, 'id-1', 'old', 1],
    ],
  };
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
    await writeMetaFile(nodeStoreFs, path, { ...expected, identityCount: expected.identities.length, identities: lazily() });
    expect(produced).toBe(2500);
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
    await writeMetaFile(nodeStoreFs, path, { ...expected, identityCount: 2500, identities: expected.identities });
    const bytes = readFileSync(path);
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 10] ^= 1;
    expect(() => decodeMetaFile(flipped, path)).toThrow(/damaged at byte/);
    expect(() => decodeMetaFile(bytes.subarray(0, bytes.length - 500), path)).toThrow(/damaged at byte/);
    await expect(writeMetaFile(nodeStoreFs, path, { ...expected, identityCount: 2501, identities: expected.identities })).rejects.toThrow(/changed while/);
  });
});
