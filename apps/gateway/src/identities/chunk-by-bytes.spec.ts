import { describe, expect, it } from 'vitest';
import type { IdentityUpsert } from '@faceshard/contracts';
import { chunkByVectorBytes } from './chunk-by-bytes';

const identity = (id: string, faces: number, dim: number): IdentityUpsert => ({
  identityId: id,
  faces: Array.from({ length: faces }, (_, i) => ({ faceId: `f${i}`, vector: new Float32Array(dim) })),
  mode: 'replace',
});

describe('chunkByVectorBytes', () => {
  it('keeps every identity, in order, whole, with each chunk within the limit', () => {
    const all = Array.from({ length: 1000 }, (_, i) => identity(`p${i}`, 1 + (i % 3), 512));
    const chunks = chunkByVectorBytes(all, 512 * 1024);
    expect(chunks.flat()).toEqual(all);
    for (const chunk of chunks) {
      const bytes = chunk.flatMap((p) => p.faces).reduce((n, f) => n + f.vector.byteLength, 0);
      expect(bytes).toBeLessThanOrEqual(512 * 1024);
    }
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('sends a small batch as one message', () => {
    const all = Array.from({ length: 100 }, (_, i) => identity(`p${i}`, 1, 128));
    expect(chunkByVectorBytes(all, 512 * 1024)).toEqual([all]);
  });

  it('gives an identity larger than the limit a message of its own rather than splitting it', () => {
    const big = identity('big', 64, 4096);
    const chunks = chunkByVectorBytes([identity('a', 1, 4), big, identity('b', 1, 4)], 1024);
    expect(chunks).toEqual([[expect.objectContaining({ identityId: 'a' })], [big], [expect.objectContaining({ identityId: 'b' })]]);
  });

  it('returns no chunks for no identities', () => {
    expect(chunkByVectorBytes([], 10)).toEqual([]);
  });
});
