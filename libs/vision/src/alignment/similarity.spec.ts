import { describe, expect, it } from 'vitest';
import { applySimilarity, estimateSimilarity, invertSimilarity, type Similarity } from './similarity';

const pts = [
  { x: 38.3, y: 51.7 },
  { x: 73.5, y: 51.5 },
  { x: 56.0, y: 71.7 },
  { x: 41.5, y: 92.4 },
  { x: 70.7, y: 92.2 },
];

function fromAngle(scale: number, degrees: number, tx: number, ty: number): Similarity {
  const r = (degrees * Math.PI) / 180;
  return { a: scale * Math.cos(r), b: scale * Math.sin(r), tx, ty };
}

describe('estimateSimilarity (Umeyama)', () => {
  it('recovers a known similarity exactly', () => {
    for (const t of [fromAngle(1, 0, 0, 0), fromAngle(2.5, 17, -30, 12.5), fromAngle(0.4, -160, 100, -7), fromAngle(1.3, 90, 3, 4)]) {
      const est = estimateSimilarity(pts, pts.map((p) => applySimilarity(t, p)));
      expect(est.a).toBeCloseTo(t.a, 10);
      expect(est.b).toBeCloseTo(t.b, 10);
      expect(est.tx).toBeCloseTo(t.tx, 9);
      expect(est.ty).toBeCloseTo(t.ty, 9);
    }
  });

  it('is the least-squares fit: noise on the targets moves the fit by less than the noise', () => {
    const t = fromAngle(1.7, 25, 10, -5);
    const noise = [0.3, -0.2, 0.1, -0.4, 0.2];
    const to = pts.map((p, i) => {
      const q = applySimilarity(t, p);
      return { x: q.x + noise[i]!, y: q.y - noise[(i + 2) % 5]! };
    });
    const est = estimateSimilarity(pts, to);
    const residual = (s: Similarity) => pts.reduce((acc, p, i) => acc + (applySimilarity(s, p).x - to[i]!.x) ** 2 + (applySimilarity(s, p).y - to[i]!.y) ** 2, 0);
    // No nearby similarity fits better (the fit is a minimum).
    for (const d of [1e-3, -1e-3]) {
      expect(residual(est)).toBeLessThanOrEqual(residual({ ...est, a: est.a + d }));
      expect(residual(est)).toBeLessThanOrEqual(residual({ ...est, b: est.b + d }));
      expect(residual(est)).toBeLessThanOrEqual(residual({ ...est, tx: est.tx + d }));
      expect(residual(est)).toBeLessThanOrEqual(residual({ ...est, ty: est.ty + d }));
    }
    expect(Math.hypot(est.a, est.b)).toBeCloseTo(1.7, 1);
  });

  it('never returns a reflection: a mirrored target gets a proper rotation (Umeyama det correction)', () => {
    const mirrored = pts.map((p) => ({ x: -p.x, y: p.y }));
    const est = estimateSimilarity(pts, mirrored);
    // A reflection would fit a mirrored set exactly; the best proper similarity cannot, so a
    // residual remains.
    const residual = pts.reduce((acc, p, i) => acc + Math.hypot(applySimilarity(est, p).x - mirrored[i]!.x, applySimilarity(est, p).y - mirrored[i]!.y), 0);
    expect(residual).toBeGreaterThan(1);
    const p0 = applySimilarity(est, pts[0]!);
    const p1 = applySimilarity(est, pts[1]!);
    // Orientation of the triangle (eye, eye, nose) is preserved, not reversed.
    const orient = (a: { x: number; y: number }, b: { x: number; y: number }, c: { x: number; y: number }) => (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
    expect(Math.sign(orient(p0, p1, applySimilarity(est, pts[2]!)))).toBe(Math.sign(orient(pts[0]!, pts[1]!, pts[2]!)));
  });

  it('works from two points and refuses degenerate input', () => {
    const t = fromAngle(3, 45, 1, 2);
    const two = pts.slice(0, 2);
    const est = estimateSimilarity(two, two.map((p) => applySimilarity(t, p)));
    expect(est.a).toBeCloseTo(t.a, 10);
    expect(() => estimateSimilarity([pts[0]!], [pts[0]!])).toThrow(RangeError);
    expect(() => estimateSimilarity([pts[0]!, pts[0]!], pts.slice(0, 2))).toThrow(RangeError);
    expect(() => estimateSimilarity(pts, pts.slice(0, 4))).toThrow(RangeError);
  });
});

describe('invertSimilarity', () => {
  it('undoes the transform', () => {
    const t = fromAngle(0.75, -33, 40, -12);
    const inv = invertSimilarity(t);
    for (const p of pts) {
      const back = applySimilarity(inv, applySimilarity(t, p));
      expect(back.x).toBeCloseTo(p.x, 10);
      expect(back.y).toBeCloseTo(p.y, 10);
    }
    expect(() => invertSimilarity({ a: 0, b: 0, tx: 1, ty: 1 })).toThrow(RangeError);
  });
});
