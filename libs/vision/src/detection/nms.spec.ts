import { describe, expect, it } from 'vitest';
import { hardNms, iou, weightedNms } from './nms';
import type { RawDetection } from './raw-detection';

const det = (x: number, y: number, w: number, h: number, score: number, kx = x, ky = y): RawDetection => ({
  box: { x, y, width: w, height: h },
  score,
  keypoints: [{ x: kx, y: ky }],
});

describe('iou', () => {
  it('is 1 for identical boxes, 0 for disjoint or touching ones', () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x: 20, y: 0, width: 5, height: 5 })).toBe(0);
    expect(iou(a, { x: 10, y: 0, width: 10, height: 10 })).toBe(0);
  });
  it('computes partial overlap', () => {
    // overlap 5x10 = 50; union 100 + 100 - 50 = 150
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(1 / 3, 12);
    // contained box: 25 / 100
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 2, y: 2, width: 5, height: 5 })).toBeCloseTo(0.25, 12);
  });
  it('is 0 for empty boxes', () => {
    expect(iou({ x: 0, y: 0, width: 0, height: 0 }, { x: 0, y: 0, width: 0, height: 0 })).toBe(0);
  });
});

describe('hardNms', () => {
  it('keeps the best of an overlapping group and all separate faces, best first', () => {
    const out = hardNms([det(0, 0, 10, 10, 0.7), det(1, 0, 10, 10, 0.9), det(50, 50, 10, 10, 0.8)], 0.3);
    expect(out.map((d) => d.score)).toEqual([0.9, 0.8]);
  });
  it('keeps boxes overlapping at or below the threshold', () => {
    const out = hardNms([det(0, 0, 10, 10, 0.9), det(5, 0, 10, 10, 0.8)], 0.34);
    expect(out).toHaveLength(2);
    expect(hardNms([det(0, 0, 10, 10, 0.9), det(5, 0, 10, 10, 0.8)], 0.33)).toHaveLength(1);
  });
  it('stops at maxResults', () => {
    expect(hardNms([det(0, 0, 1, 1, 0.5), det(10, 10, 1, 1, 0.6), det(20, 20, 1, 1, 0.7)], 0.3, 2).map((d) => d.score)).toEqual([0.7, 0.6]);
  });
  it('returns nothing for nothing', () => {
    expect(hardNms([], 0.3)).toEqual([]);
  });
});

describe('weightedNms', () => {
  it('averages box and keypoints of a group by score and keeps the top score', () => {
    const out = weightedNms([det(0, 0, 10, 10, 0.75, 2, 2), det(2, 0, 10, 10, 0.25, 6, 4)], 0.3);
    expect(out).toHaveLength(1);
    expect(out[0]!.score).toBe(0.75);
    expect(out[0]!.box.x).toBeCloseTo(0.5, 12);
    expect(out[0]!.box.width).toBeCloseTo(10, 12);
    expect(out[0]!.keypoints[0]!.x).toBeCloseTo(3, 12);
    expect(out[0]!.keypoints[0]!.y).toBeCloseTo(2.5, 12);
  });
  it('leaves separate faces alone', () => {
    const a = det(0, 0, 10, 10, 0.9);
    const b = det(40, 40, 10, 10, 0.8);
    expect(weightedNms([b, a], 0.3)).toEqual([a, b]);
  });
});
