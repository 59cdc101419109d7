import { describe, expect, it } from 'vitest';
import { attrInts, attrString, attrStrings, decodeGraphWeights, float16ToFloat32, type TfjsGraphModelJson } from './tfjs-graph-model';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('tfjs graph model decoding', () => {
  it('reads half floats exactly, including subnormals, infinities and signs', () => {
    const halves = Uint16Array.of(0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0xfc00, 0x0000, 0x8000);
    const out = float16ToFloat32(new Uint8Array(halves.buffer));
    expect(Array.from(out)).toEqual([1, -2, 0.333251953125, 2 ** -24, Infinity, -Infinity, 0, -0]);
  });

  it('decodes float32 and int32 weights that sit at an offset inside a larger Buffer (a Buffer view must not leak its pool)', () => {
    const f = Float32Array.of(1.5, -2.25, 3);
    const i = Int32Array.of(1, -7);
    const pool = Buffer.alloc(64, 0xee);
    const payload = Buffer.concat([Buffer.from(f.buffer), Buffer.from(i.buffer)]);
    payload.copy(pool, 5);
    const shards = pool.subarray(5, 5 + payload.length);
    const model: TfjsGraphModelJson = {
      modelTopology: { node: [] },
      weightsManifest: [{ paths: ['x.bin'], weights: [{ name: 'w', shape: [3], dtype: 'float32' }, { name: 'axes', shape: [2], dtype: 'int32' }] }],
    };
    const weights = decodeGraphWeights(model, shards);
    expect(Array.from(weights.get('w')!.data)).toEqual([1.5, -2.25, 3]);
    expect(weights.get('axes')!.data).toBeInstanceOf(Int32Array);
    expect(Array.from(weights.get('axes')!.data)).toEqual([1, -7]);
  });

  it('refuses shards whose size does not match the manifest', () => {
    const model: TfjsGraphModelJson = { modelTopology: { node: [] }, weightsManifest: [{ paths: ['x'], weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }] };
    expect(() => decodeGraphWeights(model, new Uint8Array(12))).toThrow(/take 8 bytes but the shards hold 12/);
  });

  it('reads base64 string, int list and string list attributes', () => {
    const node = { name: 'n', op: '_FusedConv2D', attr: { padding: { s: b64('SAME') }, strides: { list: { i: ['1', '2', '2', '1'] } }, fused_ops: { list: { s: [b64('BiasAdd'), b64('Relu')] } } } };
    expect(attrString(node, 'padding')).toBe('SAME');
    expect(attrInts(node, 'strides')).toEqual([1, 2, 2, 1]);
    expect(attrStrings(node, 'fused_ops')).toEqual(['BiasAdd', 'Relu']);
    expect(attrString(node, 'missing')).toBeUndefined();
  });
});
