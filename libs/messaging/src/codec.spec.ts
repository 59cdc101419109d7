import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ShardRequest } from '@faceshard/contracts';
import { decode, encode } from './codec';

const bitsOf = (v: Float32Array) => Array.from(new Uint32Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength)));

describe('codec', () => {
  it('carries a 128-D Float32Array as its 512 raw bytes, not as a list of numbers', () => {
    const vector = Float32Array.from({ length: 128 }, (_, i) => Math.sin(i) / 3);
    const bytes = encode({ vector });
    // 512 bytes of floats + ext header (type, length) + the map with one key: a handful.
    expect(bytes.length).toBeGreaterThanOrEqual(512);
    expect(bytes.length).toBeLessThanOrEqual(512 + 16);
    // The float bytes appear verbatim, contiguous, inside the message.
    expect(Buffer.from(bytes).indexOf(Buffer.from(vector.buffer))).toBeGreaterThan(0);
    // For scale: msgpack of the same numbers as an array costs 9 bytes each, JSON ~20.
    expect(encode({ vector: Array.from(vector) }).length).toBeGreaterThan(1100);
    expect(JSON.stringify(Array.from(vector)).length).toBeGreaterThan(2000);
  });

  it('decodes a Float32Array as a Float32Array with identical bits (NaN, -0, infinities, subnormals)', () => {
    const special = new Float32Array([Number.NaN, -0, 0, Infinity, -Infinity, 1e-45, -3.4028234663852886e38, 0.1]);
    const out = decode<{ v: Float32Array }>(encode({ v: special })).v;
    expect(out).toBeInstanceOf(Float32Array);
    expect(bitsOf(out)).toEqual(bitsOf(special));
  });

  it('round-trips any Float32Array bit for bit', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 300 }), (v) => {
        const out = decode<{ v: Float32Array }>(encode({ v })).v;
        expect(out).toBeInstanceOf(Float32Array);
        expect(bitsOf(out)).toEqual(bitsOf(v));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes only the view of a subarray, and the decoded array shares no memory with the message', () => {
    const backing = Float32Array.from({ length: 300 }, (_, i) => i);
    const view = backing.subarray(7, 7 + 128);
    const bytes = encode({ v: view });
    expect(bytes.length).toBeLessThanOrEqual(512 + 16);
    const out = decode<{ v: Float32Array }>(bytes).v;
    expect(Array.from(out)).toEqual(Array.from(view));
    bytes.fill(0);
    expect(Array.from(out)).toEqual(Array.from(view));
    view[0] = -1;
    expect(out[0]).toBe(7);
  });

  it('round-trips a whole upsert request with several identities and faces', () => {
    const req: ShardRequest<'upsert'> = {
      collection: { name: 'gallery', dimension: 4, metric: 'cosine' },
      identities: [
        {
          identityId: 'p-1',
          attributes: { name: 'Ada', tags: ['a', 'b'], age: 36, nested: { ok: true, none: null } },
          faces: [
            { faceId: 'f1', vector: new Float32Array([1, 0, 0, 0]) },
            { faceId: 'f2', vector: new Float32Array([0, 0.5, 0.5, 0]) },
          ],
          mode: 'replace',
        },
        { identityId: 'p-2', faces: [{ faceId: 'f', vector: new Float32Array(4) }], mode: 'append' },
      ],
    };
    const out = decode<ShardRequest<'upsert'>>(encode(req));
    expect(out).toEqual(req);
    expect(out.identities[0].faces[1].vector).toBeInstanceOf(Float32Array);
  });

  it('decodes maps as plain objects, and an empty object as an empty object', () => {
    expect(decode(encode({}))).toEqual({});
    const out = decode<Record<string, unknown>>(encode({ a: 1, b: 'x' }));
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
