import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Point, RgbImage } from '../types';
import { DLIB_CHIP_LANDMARKS, dlibChipPoint, dlibChipTransform, extractDlibChip } from './face-chip-68';
import { applySimilarity, type Similarity } from './similarity';

const meanFace = (size: number, padding: number): Point[] =>
  Array.from({ length: 68 }, (_, i) => (i < 17 ? { x: 0, y: 0 } : dlibChipPoint(i, size, padding)));

describe("dlib's face chip from 68 landmarks", () => {
  it('fits on the 33 points dlib uses: 27..54 and 60..64 (no jaw, brows or lower lip)', () => {
    expect(DLIB_CHIP_LANDMARKS).toHaveLength(33);
    expect(DLIB_CHIP_LANDMARKS).toEqual([...Array.from({ length: 28 }, (_, i) => 27 + i), 60, 61, 62, 63, 64]);
  });

  it('places the mean face with padding p at ((p + m) / (1 + 2p)) * size, and refuses points outside 17..67', () => {
    // Nose tip (30): mean face (0.490127, 0.515625).
    const nose = dlibChipPoint(30, 150, 0.25);
    expect(nose.x).toBeCloseTo(((0.25 + 0.490127) / 1.5) * 150, 9);
    expect(nose.y).toBeCloseTo(((0.25 + 0.515625) / 1.5) * 150, 9);
    expect(() => dlibChipPoint(16, 150, 0.25)).toThrow(RangeError);
  });

  it('recovers the similarity that put the mean face into the image, whatever the jaw, brows and lower lip do', () => {
    const scalar = fc.double({ min: 0.2, max: 5, noNaN: true });
    fc.assert(
      fc.property(scalar, fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), fc.double({ min: -500, max: 500, noNaN: true }), fc.double({ min: -500, max: 500, noNaN: true }), fc.double({ min: -1e3, max: 1e3, noNaN: true }), (s, angle, tx, ty, junk) => {
        const t: Similarity = { a: s * Math.cos(angle), b: s * Math.sin(angle), tx, ty };
        const image = meanFace(150, 0.25).map((p, i) => (DLIB_CHIP_LANDMARKS.includes(i) ? applySimilarity(t, p) : { x: junk, y: -junk }));
        const est = dlibChipTransform(image, 150, 0.25);
        expect(est.a).toBeCloseTo(t.a, 6);
        expect(est.b).toBeCloseTo(t.b, 6);
        expect(est.tx).toBeCloseTo(t.tx, 4);
        expect(est.ty).toBeCloseTo(t.ty, 4);
      }),
    );
  });

  it('cuts the chip so that a landmark lands on its template pixel', () => {
    // A black 400x400 image with one white pixel at the (scaled, moved) nose tip.
    const t: Similarity = { a: 1.6, b: 0, tx: 60, ty: 50 };
    const points = meanFace(150, 0.25).map((p) => applySimilarity(t, p));
    const nose = points[30]!;
    const image: RgbImage = { data: new Uint8Array(400 * 400 * 3), width: 400, height: 400 };
    const at = (Math.round(nose.y) * 400 + Math.round(nose.x)) * 3;
    image.data.fill(255, at, at + 3);
    const chip = extractDlibChip(image, points.map((p) => ({ x: p.x - (nose.x - Math.round(nose.x)), y: p.y - (nose.y - Math.round(nose.y)) })), 150, 0.25);
    let best = { v: -1, x: 0, y: 0 };
    for (let y = 0; y < 150; y++) for (let x = 0; x < 150; x++) if (chip.data[(y * 150 + x) * 3]! > best.v) best = { v: chip.data[(y * 150 + x) * 3]!, x, y };
    const expected = dlibChipPoint(30, 150, 0.25);
    expect(Math.abs(best.x - expected.x)).toBeLessThanOrEqual(1);
    expect(Math.abs(best.y - expected.y)).toBeLessThanOrEqual(1);
  });
});
