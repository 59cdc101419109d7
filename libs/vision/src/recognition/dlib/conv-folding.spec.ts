import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldConvScale, hwioToOihw } from './conv-folding';

/** Straightforward 'valid' conv, stride 1, NCHW single image, OIHW weights, float64. */
function conv2d(x: Float32Array, c: number, h: number, w: number, wt: Float32Array, co: number, k: number, bias: Float32Array): Float64Array {
  const oh = h - k + 1;
  const ow = w - k + 1;
  const out = new Float64Array(co * oh * ow);
  for (let o = 0; o < co; o++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let s = bias[o];
        for (let i = 0; i < c; i++)
          for (let dy = 0; dy < k; dy++)
            for (let dx = 0; dx < k; dx++) s += wt[((o * c + i) * k + dy) * k + dx] * x[(i * h + y + dy) * w + xx + dx];
        out[(o * oh + y) * ow + xx] = s;
      }
  return out;
}

describe('hwioToOihw', () => {
  it('moves element [h][w][i][o] to [o][i][h][w]', () => {
    const shape = [2, 3, 4, 5];
    const n = 2 * 3 * 4 * 5;
    const hwio = Float32Array.from({ length: n }, (_, k) => k);
    const { data, shape: outShape } = hwioToOihw(hwio, shape);
    expect(outShape).toEqual([5, 4, 2, 3]);
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 3; w++)
        for (let i = 0; i < 4; i++)
          for (let o = 0; o < 5; o++) expect(data[((o * 4 + i) * 2 + h) * 3 + w]).toBe(((h * 3 + w) * 4 + i) * 5 + o);
  });

  it('is a permutation (no value lost or duplicated)', () => {
    fc.assert(
      fc.property(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })), (shape) => {
        const n = shape.reduce((a, b) => a * b, 1);
        const src = Float32Array.from({ length: n }, (_, k) => k);
        const sorted = Array.from(hwioToOihw(src, shape).data).sort((a, b) => a - b);
        expect(sorted).toEqual(Array.from(src));
      }),
    );
  });

  it('rejects a wrong rank or a length that does not match', () => {
    expect(() => hwioToOihw(new Float32Array(6), [2, 3])).toThrow(/4-D/);
    expect(() => hwioToOihw(new Float32Array(5), [1, 1, 2, 3])).toThrow(/needs 6/);
  });
});

describe('foldConvScale', () => {
  it('folds per output channel: W*s and bias*s + t', () => {
    // 2 output channels, 3 weights each.
    const { weights, bias } = foldConvScale(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(0.5, -1), Float32Array.of(2, -3), Float32Array.of(10, 20));
    expect(Array.from(weights)).toEqual([2, 4, 6, -12, -15, -18]);
    expect(Array.from(bias)).toEqual([11, 23]);
  });

  it('conv with folded weights equals conv + bias followed by the scale layer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 ** 31 }), (ci, co, k, seed) => {
        let s = seed;
        const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
        const h = k + 2;
        const x = Float32Array.from({ length: ci * h * h }, rnd);
        const w = Float32Array.from({ length: co * ci * k * k }, rnd);
        const b = Float32Array.from({ length: co }, rnd);
        const sc = Float32Array.from({ length: co }, () => rnd() * 5);
        const sh = Float32Array.from({ length: co }, rnd);
        const plain = conv2d(x, ci, h, h, w, co, k, b);
        const per = plain.length / co;
        const expected = plain.map((v, idx) => v * sc[Math.floor(idx / per)] + sh[Math.floor(idx / per)]);
        const folded = foldConvScale(w, b, sc, sh);
        const got = conv2d(x, ci, h, h, folded.weights, co, k, folded.bias);
        got.forEach((v, idx) => expect(Math.abs(v - expected[idx])).toBeLessThan(1e-5));
      }),
      { numRuns: 50 },
    );
  });

  it('rejects mismatched channel counts', () => {
    expect(() => foldConvScale(new Float32Array(6), new Float32Array(2), new Float32Array(3), new Float32Array(2))).toThrow(/disagree/);
    expect(() => foldConvScale(new Float32Array(5), new Float32Array(2), new Float32Array(2), new Float32Array(2))).toThrow(/disagree/);
  });
});
