import { describe, expect, it } from 'vitest';
import type { Box, DetectedFace, FaceDetector, FaceRecognizer, Point, RgbImage } from '../types';
import { applySimilarity, dlibChipPoint, estimateSimilarity } from '../alignment';
import { fivePointsFrom68, type FaceLandmarker } from '../landmarks';
import { DLIB_150_TEMPLATE } from '../recognition/templates';
import { FacePipeline } from './face-pipeline';

// Pure wiring test: stand-ins for the three models (the models themselves are tested on LFW in test/vision).
const face: DetectedFace = {
  box: { x: 60, y: 60, width: 120, height: 120 },
  score: 0.9,
  landmarks: { leftEye: { x: 95, y: 100 }, rightEye: { x: 145, y: 100 }, nose: { x: 120, y: 125 }, mouthCenter: { x: 120, y: 150 } },
};
const detector: FaceDetector = { name: 'stub', detect: async () => [face] };
const recognizer: FaceRecognizer = {
  name: 'stub',
  inputSize: 150,
  dimension: 2,
  metric: 'cosine',
  defaultThreshold: 0.5,
  template: DLIB_150_TEMPLATE,
  dlibChipPadding: 0.25,
  embed: async (crops) => crops.map(() => Float32Array.of(1, 0)),
  close: async () => undefined,
};
/** dlib's mean face moved so that its eye centres sit on the detector's eyes, then shifted `offset` px right. */
function landmarkerAt(offset: number): FaceLandmarker {
  const mean = Array.from({ length: 68 }, (_, i) => (i < 17 ? { x: 75, y: 140 } : dlibChipPoint(i, 150, 0.25)));
  const eyes = fivePointsFrom68(mean);
  const t = estimateSimilarity([eyes.leftEye, eyes.rightEye], [face.landmarks.leftEye, face.landmarks.rightEye]);
  const points: Point[] = mean.map((p) => {
    const q = applySimilarity(t, p);
    return { x: q.x + offset, y: q.y };
  });
  return { turnsCrop: () => false, locate: async (_: RgbImage, boxes: readonly Box[]) => boxes.map(() => points), close: async () => undefined } as unknown as FaceLandmarker;
}
const image: RgbImage = { data: new Uint8Array(240 * 240 * 3).fill(90), width: 240, height: 240 };

describe('FacePipeline with a landmark net', () => {
  it('aligns on the 68 points when they agree with the detector, and says so', async () => {
    const [f] = (await new FacePipeline({ detector, recognizer, landmarker: landmarkerAt(0) }).analyzeImage(image)).faces;
    expect(f!.alignedBy).toBe('landmarks68');
    expect(f!.landmarks68).toHaveLength(68);
  });

  // The detector's eyes are 50 px apart: an offset of 45 px is 0.9 eye distances, 55 px is 1.1.
  it('keeps the 68 points when the net lands under one eye distance from the detector (0.9)', async () => {
    const [f] = (await new FacePipeline({ detector, recognizer, landmarker: landmarkerAt(45) }).analyzeImage(image)).faces;
    expect(f!.alignedBy).toBe('landmarks68');
  });

  it("falls back to the detector's keypoints when the net puts the face over one eye distance away (1.1)", async () => {
    const [f] = (await new FacePipeline({ detector, recognizer, landmarker: landmarkerAt(55) }).analyzeImage(image)).faces;
    expect(f!.alignedBy).toBe('detector');
    expect(f!.landmarks68).toBeUndefined();
  });

  it('without a net aligns on the detector', async () => {
    const [f] = (await new FacePipeline({ detector, recognizer }).analyzeImage(image)).faces;
    expect(f!.alignedBy).toBe('detector');
  });
});
