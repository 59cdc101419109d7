import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averageOverGalleries, openSetScores, scoreGallery } from './open-set-identification';

/** 2-D unit vectors at the given angles (degrees): nearby angles = similar faces. */
function embeddings(rows: [angle: number, person: number][]) {
  const vectors = new Float32Array(rows.length * 2);
  rows.forEach(([deg], i) => {
    vectors[i * 2] = Math.cos((deg * Math.PI) / 180);
    vectors[i * 2 + 1] = Math.sin((deg * Math.PI) / 180);
  });
  return { dimension: 2, vectors, person: Int32Array.from(rows.map(([, p]) => p)) };
}

describe('open-set identification', () => {
  // Person 0 enrolled at 0° (probe at 5°), person 1 at 90° (probe at 50°), person 2 at 180°
  // (probe at 100°: nearer person 1), strangers at 3° and at 270°.
  const data = embeddings([
    [0, 0],
    [5, 0],
    [90, 1],
    [50, 1],
    [180, 2],
    [100, 2],
    [3, 3],
    [270, 4],
  ]);
  const scores = openSetScores(data);

  it('enrols the first photo of each person with 2+ photos; their other photos are mated probes, one-photo people strangers', () => {
    expect(scores.candidates).toBe(3);
    expect(Array.from(scores.matedCandidate)).toEqual([0, 1, 2]);
    expect(scores.strangers).toBe(2);
  });

  it('counts rank-1, TPIR at the threshold and FPIR as defined', () => {
    const t = Math.cos((10 * Math.PI) / 180); // within 10°
    const all = scoreGallery(scores, [0, 1, 2], t);
    expect(all.rank1).toBeCloseTo(2 / 3, 12); // person 2's probe at 100° is nearer person 1
    expect(all.tpir).toBeCloseTo(1 / 3, 12); // only person 0's probe is within 10°
    expect(all.fpir).toBe(0.5); // the stranger at 3° passes against person 0
    // Without person 1 in the gallery, person 2's probe finds its own person first.
    expect(scoreGallery(scores, [0, 2], t)).toMatchObject({ rank1: 1, matedProbes: 2 });
    expect(scoreGallery(scores, [1, 2], t).fpir).toBe(0);
  });

  it('agrees with a direct count from the embeddings over random data and galleries', () => {
    const rows = fc.array(fc.tuple(fc.integer({ min: 0, max: 359 }), fc.integer({ min: 0, max: 6 })), { minLength: 4, maxLength: 40 });
    fc.assert(
      fc.property(rows, fc.double({ min: -1, max: 1, noNaN: true }), fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }), (r, t, pick) => {
        const data = embeddings(r);
        const s = openSetScores(data);
        // Direct: people with 2+ photos, first photo enrolled, by person label order of first appearance.
        const byPerson = new Map<number, number[]>();
        r.forEach(([, p], i) => byPerson.set(p, [...(byPerson.get(p) ?? []), i]));
        const candidates = [...byPerson.values()].filter((rowsOf) => rowsOf.length >= 2);
        const gallery = candidates.map((_, c) => c).filter((c) => pick[c]);
        if (gallery.length === 0) return;
        const cos = (i: number, j: number) => data.vectors[i * 2]! * data.vectors[j * 2]! + data.vectors[i * 2 + 1]! * data.vectors[j * 2 + 1]!;
        // A threshold within float rounding of a score (e.g. 0.99999999 against two copies of one
        // photo) is a tie the two computations may break differently: not what this property is about.
        fc.pre(r.every((_, i) => r.every((__, j) => Math.abs(cos(i, j) - t) > 1e-6)));
        // Likewise a probe equally near two enrolled people: which one ranks first is a tie.
        const enrolledRows = candidates.map((rowsOf) => rowsOf[0]!);
        fc.pre(r.every((_, i) => enrolledRows.every((a, x) => enrolledRows.every((b, y) => x === y || Math.abs(cos(i, a) - cos(i, b)) > 1e-6))));
        const best = (row: number) => gallery.reduce((b, c) => (cos(row, candidates[c]![0]!) > b.score ? { c, score: cos(row, candidates[c]![0]!) } : b), { c: -1, score: -Infinity });
        let mated = 0, rank1 = 0, tpir = 0, fp = 0;
        for (const c of gallery) {
          for (const row of candidates[c]!.slice(1)) {
            mated++;
            const own = cos(row, candidates[c]![0]!);
            const beaten = gallery.some((g) => g !== c && cos(row, candidates[g]![0]!) >= own);
            if (!beaten) {
              rank1++;
              if (own >= t) tpir++;
            }
          }
        }
        const strangers = [...byPerson.values()].filter((rowsOf) => rowsOf.length === 1).map((rowsOf) => rowsOf[0]!);
        for (const row of strangers) if (best(row).score >= t) fp++;
        const got = scoreGallery(s, gallery, t);
        expect(got.matedProbes).toBe(mated);
        expect(got.rank1).toBeCloseTo(rank1 / mated, 9);
        expect(got.tpir).toBeCloseTo(tpir / mated, 9);
        if (strangers.length > 0) expect(got.fpir).toBeCloseTo(fp / strangers.length, 9);
      }),
    );
  });

  it('the full gallery is scored once; smaller ones are averaged over draws; FPIR never falls as the gallery grows (same strangers, nested galleries)', () => {
    const t = 0.5;
    expect(averageOverGalleries(scores, 3, t, 10, Math.random).draws).toBe(1);
    expect(averageOverGalleries(scores, 2, t, 10, Math.random).draws).toBe(10);
    expect(scoreGallery(scores, [1], t).fpir).toBeLessThanOrEqual(scoreGallery(scores, [1, 0], t).fpir);
    expect(() => averageOverGalleries(scores, 4, t, 1, Math.random)).toThrow();
  });
});
