import { describe, expect, it } from 'vitest';
import { decodeManifest, decodeMeta, encodeManifest, encodeMeta, type CollectionMeta } from './collection-meta';
import { lsnName, parseLsnName } from './data-layout';

describe('snapshot metadata codec', () => {
  it('round-trips identities with and without attributes', () => {
    const meta: CollectionMeta = {
      nextLabel: 5,
      freeLabels: [4, 1],
      identities: [
        { identityId: 'a', attributes: { name: 'A', n: 1 }, faceIds: ['f1', 'f2'], labels: [0, 3] },
        { identityId: 'b', faceIds: ['g'], labels: [2] },
        { identityId: 'c', faceIds: [], labels: [] },
      ],
    };
    // Written without versions or tombstones (as before versions existed): version 0, no tombstones.
    expect(decodeMeta(encodeMeta(meta))).toEqual({ ...meta, identities: meta.identities.map((e) => ({ ...e, version: 0 })), tombstones: [] });
  });

  it('round-trips the manifest and rejects an unknown version', () => {
    const manifest = { version: 1 as const, lsn: 77, collections: [{ spec: { name: 'g', dimension: 4, metric: 'ip' as const }, indexFile: null, indexBytes: 0, metaFile: 'c0.meta' }] };
    expect(decodeManifest(encodeManifest(manifest))).toEqual(manifest);
    expect(() => decodeManifest(encodeManifest({ ...manifest, version: 2 as unknown as 1 }))).toThrow();
  });
});

describe('lsn file names', () => {
  it('are fixed-width so they sort as numbers', () => {
    expect(lsnName(42)).toBe('00000000000000000042');
    expect(parseLsnName('00000000000000000042.wal', '.wal')).toBe(42);
    expect(parseLsnName('00000000000000000042')).toBe(42);
    expect(parseLsnName('tmp-00000000000000000042')).toBeNull();
    expect(parseLsnName('42.wal', '.wal')).toBeNull();
  });
});
