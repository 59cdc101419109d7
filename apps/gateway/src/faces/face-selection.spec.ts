import { describe, expect, it } from 'vitest';
import type { AnalyzedFace, FaceAnalysis } from '@faceshard/vision';
import { describeFace, overallQuality, selectFaces } from './face-selection';

function face(size: number, score: number, yaw = 0, eyeDistance = 50): AnalyzedFace {
  return {
    box: { x: 0, y: 0, width: size, height: size },
    score,
    landmarks: { leftEye: { x: 1, y: 1 }, rightEye: { x: 2, y: 1 }, nose: { x: 1.5, y: 2 } },
    alignedBy: 'detector',
    quality: { score, faceSize: size, eyeDistance, sharpness: 100, yaw, roll: 0, passed: true, failures: [] },
    embedding: new Float32Array(2),
  };
}

const analysis = (faces: AnalyzedFace[]): FaceAnalysis => ({ width: 500, height: 500, faces });

describe('overallQuality', () => {
  it('is the detector score for a big frontal face, less for small or turned faces, within 0..1', () => {
    expect(overallQuality(face(100, 0.9).quality)).toBe(0.9);
    expect(overallQuality(face(100, 0.9, 0, 20).quality)).toBe(0.45);
    expect(overallQuality(face(100, 0.9, 60).quality)).toBeCloseTo(0.45, 2);
    expect(overallQuality(face(100, 0.9, 120).quality)).toBe(0);
    expect(overallQuality(face(100, 1.7).quality)).toBe(1);
  });
});

describe('selectFaces', () => {
  it('orders largest first, drops faces under minQuality, keeps at most maxFaces', () => {
    const faces = [face(40, 0.99), face(120, 0.6), face(80, 0.95), face(80, 0.97)];
    expect(selectFaces(analysis(faces), { maxFaces: 10 }).map((f) => [f.area, f.face.score])).toEqual([
      [14400, 0.6],
      [6400, 0.97],
      [6400, 0.95],
      [1600, 0.99],
    ]);
    expect(selectFaces(analysis(faces), { maxFaces: 10, minQuality: 0.9 }).map((f) => f.face.score)).toEqual([0.97, 0.95, 0.99]);
    expect(selectFaces(analysis(faces), { maxFaces: 2 }).map((f) => f.area)).toEqual([14400, 6400]);
    expect(selectFaces(analysis([]), { maxFaces: 2 })).toEqual([]);
  });
});

describe('describeFace', () => {
  it('answers the named keypoints, and the 68 landmarks only when the pipeline placed them', () => {
    const plain = describeFace({ face: face(100, 0.9), quality: 0.9, area: 10_000 });
    expect(Object.keys(plain.keypoints)).toEqual(['leftEye', 'rightEye', 'nose']);
    expect(plain).not.toHaveProperty('landmarks68');
    const points = Array.from({ length: 68 }, (_, i) => ({ x: i + 0.123, y: 2 * i + 0.456 }));
    const placed = describeFace({ face: { ...face(100, 0.9), landmarks68: points, alignedBy: 'landmarks68' }, quality: 0.9, area: 10_000 });
    expect(placed.landmarks68).toHaveLength(68);
    expect(placed.landmarks68![67]).toEqual({ x: 67.12, y: 134.46 });
  });
});
