import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Point } from '../types';
import { dlibChipPoint } from '../alignment/face-chip-68';
import { DLIB_150_TEMPLATE } from '../recognition/templates';
import { boundingBoxOf, disagreementWithDetector, fivePointsFrom68, placedInBox } from './landmark-points';

/** dlib's mean face on a 150 chip for points 17..67; the jaw (0..16, absent from the mean face) set far away to prove it is not used. */
function meanFace68(): Point[] {
  return Array.from({ length: 68 }, (_, i) => (i < 17 ? { x: 1e6, y: -1e6 } : dlibChipPoint(i, 150, 0.25)));
}

describe('fivePointsFrom68', () => {
  it("reproduces dlib's 5-point template from dlib's 68-point mean face (eye centres = means of 36-41 / 42-47)", () => {
    const five = fivePointsFrom68(meanFace68());
    const expected = [five.leftEye, five.rightEye, five.nose, five.mouthLeft, five.mouthRight];
    expected.forEach((p, i) => {
      expect(p.x).toBeCloseTo(DLIB_150_TEMPLATE[i]!.x, 4);
      expect(p.y).toBeCloseTo(DLIB_150_TEMPLATE[i]!.y, 4);
    });
  });

  it('refuses anything but 68 points', () => {
    expect(() => fivePointsFrom68(meanFace68().slice(0, 67))).toThrow(RangeError);
  });
});

describe('boundingBoxOf', () => {
  it('is the smallest box holding every point', () => {
    // Coordinates in 1/8 pixels: exact in floating point, so x + width lands exactly on the largest x.
    const coord = fc.integer({ min: -8000, max: 8000 }).map((v) => v / 8);
    fc.assert(
      fc.property(fc.array(fc.record({ x: coord, y: coord }), { minLength: 1, maxLength: 70 }), (pts) => {
        const b = boundingBoxOf(pts);
        for (const p of pts) {
          expect(p.x).toBeGreaterThanOrEqual(b.x);
          expect(p.y).toBeGreaterThanOrEqual(b.y);
          expect(p.x).toBeLessThanOrEqual(b.x + b.width);
          expect(p.y).toBeLessThanOrEqual(b.y + b.height);
        }
        expect(pts.some((p) => p.x === b.x)).toBe(true);
        expect(pts.some((p) => p.y === b.y + b.height)).toBe(true);
      }),
    );
  });
});

describe('disagreementWithDetector', () => {
  const face = meanFace68();
  const five = fivePointsFrom68(face);
  const detector = {
    leftEye: five.leftEye,
    rightEye: five.rightEye,
    nose: five.nose,
    mouthCenter: { x: (five.mouthLeft.x + five.mouthRight.x) / 2, y: (five.mouthLeft.y + five.mouthRight.y) / 2 },
  };
  const eyeDistance = five.rightEye.x - five.leftEye.x;

  it('is 0 when the net agrees with the detector and grows with the worst point, in eye distances', () => {
    expect(disagreementWithDetector(face, detector)).toBeCloseTo(0, 10);
    const shiftedNose = { ...detector, nose: { x: detector.nose.x + 0.3 * eyeDistance, y: detector.nose.y } };
    expect(disagreementWithDetector(face, shiftedNose)).toBeCloseTo(0.3, 6);
  });

  it('is the same at any scale and position (a fraction of the eye distance)', () => {
    const shiftedMouth = { ...detector, mouthCenter: { x: detector.mouthCenter.x, y: detector.mouthCenter.y + 0.2 * eyeDistance } };
    const t = (p: Point) => ({ x: 3 * p.x + 40, y: 3 * p.y - 7 });
    const moved = { leftEye: t(shiftedMouth.leftEye), rightEye: t(shiftedMouth.rightEye), nose: t(shiftedMouth.nose), mouthCenter: t(shiftedMouth.mouthCenter) };
    expect(disagreementWithDetector(face.map(t), moved)).toBeCloseTo(disagreementWithDetector(face, shiftedMouth), 9);
  });

  it('uses the mouth corners of a 5-point detector, and is infinite for NaN points or a zero eye distance', () => {
    expect(disagreementWithDetector(face, { ...five })).toBeCloseTo(0, 10);
    const broken = face.map((p, i) => (i === 30 ? { x: NaN, y: p.y } : p));
    expect(disagreementWithDetector(broken, detector)).toBe(Infinity);
    expect(disagreementWithDetector(face, { ...detector, rightEye: detector.leftEye })).toBe(Infinity);
  });
});

describe('placedInBox', () => {
  // dlib's mean face fills a 150 chip: its eyes are ~0.4 of the chip apart, like a detector box's.
  const chipBox = { x: 0, y: 0, width: 150, height: 150 };
  const moved = (points: Point[], dx: number, dy: number, scale = 1) => points.map((p) => ({ x: p.x * scale + dx, y: p.y * scale + dy }));
  const turnedAbout = (points: Point[], angle: number, c: Point) =>
    points.map((p) => ({ x: c.x + Math.cos(angle) * (p.x - c.x) - Math.sin(angle) * (p.y - c.y), y: c.y + Math.sin(angle) * (p.x - c.x) + Math.cos(angle) * (p.y - c.y) }));

  it('takes a face of the right size inside the box, turned any way', () => {
    fc.assert(
      fc.property(fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), (angle) => {
        expect(placedInBox(turnedAbout(meanFace68(), angle, { x: 75, y: 75 }), chipBox)).toBe(true);
      }),
    );
  });

  it('refuses points off the box, a face far too small or too large for it, and NaN', () => {
    expect(placedInBox(moved(meanFace68(), 200, 0), chipBox)).toBe(false); // a box width to the right
    expect(placedInBox(moved(meanFace68(), 60, 60, 0.2), chipBox)).toBe(false); // eyes ~0.08 of the box apart
    expect(placedInBox(moved(meanFace68(), -75, -75, 2), chipBox)).toBe(false); // eyes ~0.8 apart, points past the margin
    const broken = meanFace68();
    broken[30] = { x: NaN, y: 75 };
    expect(placedInBox(broken, chipBox)).toBe(false);
  });
});
