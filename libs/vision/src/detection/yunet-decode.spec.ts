import { describe, expect, it } from 'vitest';
import { decodeYuNet, type YuNetLevel } from './yunet-decode';

function level(stride: number, cells: number): YuNetLevel {
  return { stride, cls: new Float32Array(cells), obj: new Float32Array(cells), bbox: new Float32Array(cells * 4), kps: new Float32Array(cells * 10) };
}

describe('decodeYuNet', () => {
  it('decodes the cell at (row 1, col 2) of stride 8 on a 32x16 input', () => {
    const l = level(8, 4 * 2);
    const i = 1 * 4 + 2;
    l.cls[i] = 0.81;
    l.obj[i] = 1.0;
    l.bbox.set([0.5, 0.25, Math.log(2), Math.log(3)], i * 4);
    l.kps.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], i * 10);
    const out = decodeYuNet([l], 32, 16, 0.5);
    expect(out).toHaveLength(1);
    const d = out[0]!;
    expect(d.score).toBeCloseTo(0.9, 6);
    // centre ((2 + .5) * 8, (1 + .25) * 8) = (20, 10); size (16, 24)
    expect(d.box.x).toBeCloseTo(12, 5);
    expect(d.box.y).toBeCloseTo(-2, 5);
    expect(d.box.width).toBeCloseTo(16, 5);
    expect(d.box.height).toBeCloseTo(24, 5);
    expect(d.keypoints).toEqual([
      { x: 16, y: 8 },
      { x: 24, y: 8 },
      { x: 20, y: 12 },
      { x: 16, y: 16 },
      { x: 24, y: 16 },
    ]);
  });

  it('clamps cls and obj to [0, 1] before the geometric mean and drops low scores', () => {
    const l = level(16, 2);
    l.cls.set([1.5, 0.1]);
    l.obj.set([2, 0.1]);
    const out = decodeYuNet([l], 32, 16, 0.5);
    expect(out.map((d) => d.score)).toEqual([1]);
  });

  it('refuses outputs that do not match the grid', () => {
    expect(() => decodeYuNet([level(8, 7)], 32, 16, 0.5)).toThrow(RangeError);
  });
});
