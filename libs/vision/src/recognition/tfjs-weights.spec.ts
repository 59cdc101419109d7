import { describe, expect, it } from 'vitest';
import { decodeWeightGroup, dequantizeAffine, elementCount, storedByteLength, type TfjsWeightGroup } from './tfjs-weights';

describe('dequantizeAffine', () => {
  it('maps q to q * scale + min, rounded to float32', () => {
    const out = dequantizeAffine(Uint8Array.of(0, 1, 255), 0.5, -1);
    expect(Array.from(out)).toEqual([-1, -0.5, 126.5]);
  });

  it('works on uint16 too', () => {
    const out = dequantizeAffine(Uint16Array.of(0, 1000, 65535), 0.001, 2);
    expect(out[0]).toBe(2);
    expect(out[1]).toBe(Math.fround(1000 * 0.001 + 2));
    expect(out[2]).toBe(Math.fround(65535 * 0.001 + 2));
  });

  it('uses the manifest numbers face-api ships (first dlib tensor)', () => {
    const scale = 0.0005260649557207145;
    const min = -0.07101876902229645;
    const out = dequantizeAffine(Uint8Array.of(0, 135, 255), scale, min);
    expect(out[0]).toBe(Math.fround(min));
    expect(out[1]).toBe(Math.fround(135 * scale + min));
    expect(out[2]).toBe(Math.fround(255 * scale + min));
  });
});

describe('decodeWeightGroup', () => {
  const group: TfjsWeightGroup = {
    paths: ['x.bin'],
    weights: [
      { name: 'a', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 2, min: 1 } },
      { name: 'b', shape: [3], dtype: 'float32' },
      { name: 'c', shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.5, min: 0 } },
    ],
  };
  // Bytes of b are deliberately at an offset (4) that is a multiple of 4, c at 16 (multiple of 2).
  const floats = new Float32Array([1.5, -2.25, 3e-8]);
  const c = new Uint16Array([4, 300]);
  const bytes = new Uint8Array(4 + 12 + 4);
  bytes.set([0, 1, 2, 3], 0);
  bytes.set(new Uint8Array(floats.buffer), 4);
  bytes.set(new Uint8Array(c.buffer), 16);

  it('decodes quantized and plain float tensors back to back, in manifest order', () => {
    const map = decodeWeightGroup(group, bytes);
    expect(map.get('a')).toEqual({ shape: [2, 2], data: Float32Array.of(1, 3, 5, 7) });
    expect(map.get('b')).toEqual({ shape: [3], data: floats });
    expect(map.get('c')).toEqual({ shape: [2], data: Float32Array.of(2, 150) });
  });

  it('decodes float32 tensors at an offset that is not 4-byte aligned in the source buffer', () => {
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const map = decodeWeightGroup(group, shifted.subarray(1));
    expect(map.get('b')!.data).toEqual(floats);
  });

  it('decodes the same from a Node Buffer at an unaligned offset (Buffer#slice is a view, not a copy)', () => {
    const pool = Buffer.alloc(bytes.length + 1);
    pool.set(bytes, 1);
    const map = decodeWeightGroup(group, pool.subarray(1));
    expect(map.get('b')!.data).toEqual(floats);
    expect(map.get('c')!.data).toEqual(Float32Array.of(2, 150));
  });

  it('refuses shards shorter or longer than the manifest says', () => {
    expect(() => decodeWeightGroup(group, bytes.subarray(0, bytes.length - 1))).toThrow(/needs/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => decodeWeightGroup(group, longer)).toThrow(/disagree/);
  });

  it('decodes float16 quantization (as graph models store it) and int32 tensors as floats', () => {
    const halves = new Uint8Array(Uint16Array.of(0x3c00, 0xc000).buffer);
    const ints = new Uint8Array(Int32Array.of(7, -3).buffer);
    const bytes = new Uint8Array([...halves, ...ints]);
    const map = decodeWeightGroup(
      { paths: [], weights: [{ name: 'h', shape: [2], dtype: 'float32', quantization: { dtype: 'float16' } }, { name: 'i', shape: [2], dtype: 'int32' }] },
      bytes,
    );
    expect(map.get('h')!.data).toEqual(Float32Array.of(1, -2));
    expect(map.get('i')!.data).toEqual(Float32Array.of(7, -3));
  });

  it('refuses unknown dtypes and quantizations', () => {
    expect(() => storedByteLength({ name: 's', shape: [1], dtype: 'string' })).toThrow(/unsupported/);
    expect(() => decodeWeightGroup({ paths: [], weights: [{ name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'int8' as 'uint8', scale: 1, min: 0 } }] }, new Uint8Array(4))).toThrow(
      /quantization int8 is not supported/,
    );
  });

  it('counts elements of a shape', () => {
    expect(elementCount([3, 3, 32, 64])).toBe(18432);
    expect(elementCount([])).toBe(1);
  });
});
