import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applySimilarity } from '../alignment/similarity';
import { outputToImagePoints, regionToImage, squareAround, squareAroundPoints, turned, type SquareRegion } from './landmark-crop';
import { angleBetween, boundingBoxOf, eyeLineAngle, eyeLineAngleOf68 } from './landmark-points';

const SIZE = 112;
const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const region = fc.record({ x: finite(-200, 800), y: finite(-200, 800), side: finite(10, 600) });

/** 68 net outputs (x, y fractions of the input side), interleaved. */
function outputsAt(fractions: Array<[number, number]>): Float32Array {
  const out = new Float32Array(136);
  fractions.forEach(([u, v], i) => out.set([u, v], 2 * i));
  return out;
}

describe('turned landmark crops', () => {
  it('an axis-aligned region maps as before: pixel u of the input shows image point x + u side / size', () => {
    fc.assert(
      fc.property(region, (r) => {
        expect(regionToImage(r, SIZE)).toEqual({ a: r.side / SIZE, b: 0, tx: r.x, ty: r.y });
        expect(regionToImage(turned(r, 0), SIZE)).toEqual(regionToImage(r, SIZE));
        const points = outputToImagePoints(outputsAt([[0.25, 0.75]]), 0, r);
        expect(points[0]).toEqual({ x: r.x + Math.fround(0.25) * r.side, y: r.y + Math.fround(0.75) * r.side });
      }),
    );
  });

  it("turned by any angle, the input's centre is the square's centre and its corners lie on the square's corner circle", () => {
    fc.assert(
      fc.property(region, finite(-Math.PI, Math.PI), (r, angle) => {
        const t = regionToImage(turned(r, angle), SIZE);
        const centre = applySimilarity(t, { x: SIZE / 2, y: SIZE / 2 });
        expect(centre.x).toBeCloseTo(r.x + r.side / 2, 6);
        expect(centre.y).toBeCloseTo(r.y + r.side / 2, 6);
        const corner = applySimilarity(t, { x: 0, y: 0 });
        expect(Math.hypot(corner.x - centre.x, corner.y - centre.y)).toBeCloseTo((r.side / 2) * Math.SQRT2, 6);
        // The input's x axis runs along the angle (a face's eye line is drawn upright).
        const right = applySimilarity(t, { x: SIZE, y: SIZE / 2 });
        expect(angleBetween(Math.atan2(right.y - centre.y, right.x - centre.x), angle)).toBeCloseTo(0, 9);
      }),
    );
  });

  it('the net output of a turned region lands where the crop transform puts that input pixel', () => {
    fc.assert(
      fc.property(region, finite(-Math.PI, Math.PI), finite(0, 1), finite(0, 1), (r, angle, u, v) => {
        const t: SquareRegion = turned(r, angle);
        const [p] = outputToImagePoints(outputsAt([[u, v]]), 0, t);
        const q = applySimilarity(regionToImage(t, SIZE), { x: Math.fround(u) * SIZE, y: Math.fround(v) * SIZE });
        expect(p!.x).toBeCloseTo(q.x, 6);
        expect(p!.y).toBeCloseTo(q.y, 6);
      }),
    );
  });

  it("squareAroundPoints along an angle is the upright square of the points turned with them", () => {
    // A 40 x 20 rectangle of points centred on (300, 200), turned by 60 degrees.
    const angle = Math.PI / 3;
    const corners = [
      [-20, -10],
      [20, -10],
      [20, 10],
      [-20, 10],
    ].map(([u, v]) => ({ x: 300 + Math.cos(angle) * u! - Math.sin(angle) * v!, y: 200 + Math.sin(angle) * u! + Math.cos(angle) * v! }));
    const square = squareAroundPoints(corners, 1.5, angle);
    expect(square.side).toBeCloseTo(60, 9);
    expect(square.x + square.side / 2).toBeCloseTo(300, 9);
    expect(square.y + square.side / 2).toBeCloseTo(200, 9);
    expect(square.angle).toBe(angle);
    expect(squareAroundPoints(corners, 1.5)).toEqual(squareAround(boundingBoxOf(corners), 1.5)); // no angle: as before
  });
});

describe('eye-line angles', () => {
  it('is 0 for level eyes, positive when the image-right eye is lower (y down), and read the same from 68 points', () => {
    expect(eyeLineAngle({ x: 0, y: 0 }, { x: 10, y: 0 })).toBe(0);
    expect(eyeLineAngle({ x: 0, y: 0 }, { x: 10, y: 10 })).toBeCloseTo(Math.PI / 4, 12);
    const points = Array.from({ length: 68 }, (_, i) => (i >= 36 && i <= 41 ? { x: 0, y: 0 } : i >= 42 && i <= 47 ? { x: 0, y: 10 } : { x: 5, y: 5 }));
    expect(eyeLineAngleOf68(points)).toBeCloseTo(Math.PI / 2, 12);
  });

  it('angleBetween wraps the difference into (-pi, pi]', () => {
    fc.assert(
      fc.property(finite(-10, 10), finite(-10, 10), (a, b) => {
        const d = angleBetween(a, b);
        expect(d).toBeGreaterThan(-Math.PI - 1e-12);
        expect(d).toBeLessThanOrEqual(Math.PI + 1e-12);
        expect(Math.cos(d)).toBeCloseTo(Math.cos(a - b), 9);
        expect(Math.sin(d)).toBeCloseTo(Math.sin(a - b), 9);
      }),
    );
    expect(angleBetween(0.1, 2 * Math.PI)).toBeCloseTo(0.1, 12);
  });
});
