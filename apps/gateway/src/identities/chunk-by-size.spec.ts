import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { IdentityUpsert } from '@faceshard/contracts';
import { encode } from '@faceshard/messaging';
import { chunkBySize } from './chunk-by-size';

const identity = (id: string, faces: number, dim: number, attributeBytes = 0): IdentityUpsert => ({
  identityId: id,
  faces: Array.from({ length: faces }, (_, i) => ({ faceId: `f${i}`, vector: new Float32Array(dim) })),
  attributes: attributeBytes > 0 ? { note: 'x'.repeat(attributeBytes) } : undefined,
  mode: 'replace',
});
const encodedSize = (item: IdentityUpsert) => encode(item).byteLength;

describe('chunkBySize', () => {
  it('keeps every item, in order, whole, with each chunk within the limit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 200 }), fc.integer({ min: 1, max: 2000 }), (sizes, max) => {
        const items = sizes.map((size, i) => ({ i, size }));
        const { chunks, oversize } = chunkBySize(items, (x) => x.size, max);
        for (const chunk of chunks) expect(chunk.reduce((n, x) => n + x.size, 0)).toBeLessThanOrEqual(max);
        expect(oversize.every((x) => x.size > max)).toBe(true);
        expect([...chunks.flat(), ...oversize].map((x) => x.i).sort((a, b) => a - b)).toEqual(items.map((x) => x.i));
        expect(chunks.flat().map((x) => x.i)).toEqual(items.filter((x) => x.size <= max).map((x) => x.i));
      }),
    );
  });

  it('chunks 600 identities with 4 KB of attributes each by their encoded size: every message fits 1 MiB', () => {
    const all = Array.from({ length: 600 }, (_, i) => identity(`p${i}`, 1, 128, 4096));
    // The vectors alone (600 x 512 B = 300 KB) fit one message; encoded, the batch is ~2.8 MB.
    const { chunks, oversize } = chunkBySize(all, encodedSize, 1024 * 1024);
    expect(oversize).toEqual([]);
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    for (const chunk of chunks) expect(encode(chunk).byteLength).toBeLessThanOrEqual(1024 * 1024);
    expect(chunks.flat()).toEqual(all);
  });

  it('sends a small batch as one message', () => {
    const all = Array.from({ length: 100 }, (_, i) => identity(`p${i}`, 1, 128));
    expect(chunkBySize(all, encodedSize, 512 * 1024).chunks).toEqual([all]);
  });

  it('sets aside an item too large for any message on its own, and chunks the rest', () => {
    const big = identity('big', 64, 4096);
    const { chunks, oversize } = chunkBySize([identity('a', 1, 4), big, identity('b', 1, 4)], encodedSize, 1024 * 1024);
    expect(oversize).toEqual([big]);
    expect(chunks.flat().map((p) => p.identityId)).toEqual(['a', 'b']);
  });

  it('returns no chunks for no items', () => {
    expect(chunkBySize([], () => 1, 10)).toEqual({ chunks: [], oversize: [] });
  });
});
