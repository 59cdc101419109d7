import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../types';
import { judgeQuality, measureQuality } from './face-quality';
import { estimatePose, eyeDistance } from './pose';
import { laplacianVariance } from './sharpness';

function flat(w: number, h: number, v: number): RgbImage {
  return { data: new Uint8Array(w * h * 3).fill(v), width: w, height: h };
}

function checker(w: number, h: number, cell: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill((Math.floor(x / cell) + Math.floor(y / cell)) % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
  return { data, width: w, height: h };
}

describe('laplacianVariance', () => {
  it('is 0 on a flat image and on a linear ramp', () => {
    expect(laplacianVariance(flat(20, 20, 128))).toBe(0);
    const ramp = flat(20, 20, 0);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) ramp.data.fill(x * 10, (y * 20 + x) * 3, (y * 20 + x) * 3 + 3);
    expect(laplacianVariance(ramp)).toBeCloseTo(0, 6);
  });
  it('is higher for fine detail than for coarse detail', () => {
    expect(laplacianVariance(checker(40, 40, 1))).toBeGreaterThan(laplacianVariance(checker(40, 40, 8)));
    expect(laplacianVariance(checker(40, 40, 8))).toBeGreaterThan(0);
  });
  it('is 0 for images too small to have an interior', () => {
    expect(laplacianVariance(checker(2, 2, 1))).toBe(0);
  });
});

describe('estimatePose', () => {
  const frontal = { leftEye: { x: 40, y: 50 }, rightEye: { x: 80, y: 50 }, nose: { x: 60, y: 70 } };
  it('reads a frontal face as yaw 0, roll 0', () => {
    expect(estimatePose(frontal)).toEqual({ roll: 0, yaw: 0 });
    expect(eyeDistance(frontal)).toBe(40);
  });
  it('reads the eye line angle as roll', () => {
    const p = estimatePose({ leftEye: { x: 0, y: 0 }, rightEye: { x: 10, y: 10 }, nose: { x: 0, y: 10 } });
    expect(p.roll).toBeCloseTo(45, 9);
    expect(p.yaw).toBeCloseTo(0, 9); // nose on the perpendicular through the eye midpoint
  });
  it('reads a nose shifted towards one eye as yaw of that sign', () => {
    expect(estimatePose({ ...frontal, nose: { x: 70, y: 70 } }).yaw).toBeCloseTo(30, 9);
    expect(estimatePose({ ...frontal, nose: { x: 50, y: 70 } }).yaw).toBeCloseTo(-30, 9);
    expect(estimatePose({ ...frontal, nose: { x: 200, y: 70 } }).yaw).toBe(90);
  });
});

describe('judgeQuality', () => {
  const q = { score: 0.9, faceSize: 100, eyeDistance: 40, sharpness: 50, yaw: 10, roll: -5 };
  it('passes an empty policy', () => {
    expect(judgeQuality(q, {})).toEqual({ passed: true, failures: [] });
  });
  it('lists each failed check', () => {
    expect(judgeQuality(q, { minScore: 0.95, minFaceSize: 100, minEyeDistance: 41, minSharpness: 10, maxAbsYaw: 5, maxAbsRoll: 5 })).toEqual({
      passed: false,
      failures: ['score', 'eyeDistance', 'yaw'],
    });
  });
  it('measureQuality takes the shorter box side and sharpness from the crop', () => {
    const m = measureQuality(
      { box: { x: 0, y: 0, width: 90, height: 120 }, score: 0.8, landmarks: { leftEye: { x: 40, y: 50 }, rightEye: { x: 80, y: 50 }, nose: { x: 60, y: 70 } } },
      checker(20, 20, 2),
    );
    expect(m.faceSize).toBe(90);
    expect(m.score).toBe(0.8);
    expect(m.eyeDistance).toBe(40);
    expect(m.sharpness).toBeGreaterThan(0);
  });
});
