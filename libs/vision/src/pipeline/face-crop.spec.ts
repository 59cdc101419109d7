import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../types';
import { alignFace, dlibChipPoint, extractDlibChip, applySimilarity } from '../alignment';
import { fivePointsFrom68 } from '../landmarks';
import { ARCFACE_112_TEMPLATE, DLIB_150_TEMPLATE } from '../recognition/templates';
import { cutFaceCrop } from './face-crop';

/** A 300x300 image with a different value at every pixel, so two crops are equal only if cut the same way. */
const image: RgbImage = (() => {
  const data = new Uint8Array(300 * 300 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  return { data, width: 300, height: 300 };
})();
const points68 = Array.from({ length: 68 }, (_, i) => applySimilarity({ a: 1.1, b: 0.1, tx: 40, ty: 30 }, i < 17 ? { x: 75, y: 140 } : dlibChipPoint(i, 150, 0.25)));
const detector = { leftEye: { x: 100, y: 110 }, rightEye: { x: 160, y: 112 }, nose: { x: 130, y: 140 }, mouthCenter: { x: 131, y: 170 } };
const dlib = { inputSize: 150, template: DLIB_150_TEMPLATE, dlibChipPadding: 0.25 };
const arcface = { inputSize: 112, template: ARCFACE_112_TEMPLATE };

describe('cutFaceCrop', () => {
  it("without 68 points (no net, or the net could not place the face) aligns on the detector's keypoints", () => {
    expect(cutFaceCrop(image, detector, undefined, dlib).data).toEqual(alignFace(image, detector, DLIB_150_TEMPLATE, 150).data);
    expect(cutFaceCrop(image, detector, undefined, arcface).data).toEqual(alignFace(image, detector, ARCFACE_112_TEMPLATE, 112).data);
  });

  it("cuts dlib's face chip for a dlib-trained recognizer, and the template on the 5 derived points for the others", () => {
    expect(cutFaceCrop(image, detector, points68, dlib).data).toEqual(extractDlibChip(image, points68, 150, 0.25).data);
    const five = cutFaceCrop(image, detector, points68, arcface);
    expect(five.width).toBe(112);
    expect(five.data).toEqual(alignFace(image, fivePointsFrom68(points68), ARCFACE_112_TEMPLATE, 112).data);
    expect(five.data).not.toEqual(alignFace(image, detector, ARCFACE_112_TEMPLATE, 112).data);
  });
});
