import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atRecall, equalRecallRows, type RecallSpeedPoint } from '../../bench/pgvector/equal-recall';
import type { LadderPass } from '../../bench/pgvector/ladder';
import { DEFAULT_PGVECTOR_OPTIONS, parsePgvectorOptions, PgvectorUsageError } from '../../bench/pgvector/options';
import { vectorLiteral } from '../../bench/pgvector/pgvector-store';
import { compareAtEqualRecall, comparisonTable, passTable } from '../../bench/pgvector/report';

/** A ladder as the benchmark sees it: ef doubling, recall rising, QPS falling (each strictly). */
const ladderArb = fc
  .array(fc.tuple(fc.double({ min: 0.001, max: 0.2, noNaN: true }), fc.double({ min: 1.05, max: 3, noNaN: true })), { minLength: 1, maxLength: 8 })
  .chain((steps) =>
    fc.tuple(fc.double({ min: 0.3, max: 0.8, noNaN: true }), fc.double({ min: 50, max: 5000, noNaN: true })).map(([recall0, qps0]) => {
      const ladder: RecallSpeedPoint[] = [];
      let recall = recall0;
      let qps = qps0;
      steps.forEach(([dRecall, slowdown], i) => {
        ladder.push({ ef: 16 * 2 ** i, recall: Math.min(1, recall), qps });
        recall += dRecall;
        qps /= slowdown;
      });
      return ladder;
    }),
  );

describe('atRecall', () => {
  const ladder = [
    { ef: 128, recall: 0.96, qps: 200 },
    { ef: 32, recall: 0.8, qps: 800 },
    { ef: 64, recall: 0.9, qps: 400 },
  ];

  it('takes the smallest ef reaching the target and interpolates log(QPS) linearly in recall below it', () => {
    const r = atRecall(ladder, 0.93)!;
    expect(r.reaching.ef).toBe(128);
    expect(r.bracketed).toBe(true);
    expect(r.interpolatedQps).toBeCloseTo(400 * Math.pow(200 / 400, 0.5), 6); // halfway from 0.90 to 0.96
  });

  it('gives the measured point itself when the target is met exactly', () => {
    expect(atRecall(ladder, 0.9)).toMatchObject({ reaching: { ef: 64 }, interpolatedQps: 400, bracketed: true });
  });

  it('says when the smallest ef already overshoots (its QPS is then only a lower bound), and null when nothing reaches', () => {
    expect(atRecall(ladder, 0.5)).toEqual({ reaching: ladder[1], interpolatedQps: 800, bracketed: false });
    expect(atRecall(ladder, 0.97)).toBeNull();
    expect(atRecall([], 0.5)).toBeNull();
  });

  it('interpolated QPS lies between the measured QPS of the two points around the target', () => {
    fc.assert(
      fc.property(ladderArb, fc.double({ min: 0, max: 1, noNaN: true }), (ladder, target) => {
        const r = atRecall(ladder, target);
        const reachable = ladder.some((p) => p.recall >= target);
        expect(r !== null).toBe(reachable);
        if (!r) return;
        expect(r.reaching.recall).toBeGreaterThanOrEqual(target);
        expect(ladder.filter((p) => p.ef < r.reaching.ef).every((p) => p.recall < target)).toBe(true);
        const below = ladder.filter((p) => p.ef < r.reaching.ef).at(-1);
        const hi = below ? below.qps : r.reaching.qps;
        expect(r.interpolatedQps).toBeGreaterThanOrEqual(r.reaching.qps * (1 - 1e-9));
        expect(r.interpolatedQps).toBeLessThanOrEqual(hi * (1 + 1e-9));
      }),
    );
  });
});

describe('equalRecallRows', () => {
  it('a ladder against itself is 1x at every reachable target, NaN where it is not', () => {
    fc.assert(
      fc.property(ladderArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }), (ladder, targets) => {
        for (const row of equalRecallRows(ladder, ladder, targets)) {
          if (ladder.some((p) => p.recall >= row.target)) {
            expect(row.smallestEfRatio).toBeCloseTo(1, 9);
            expect(row.interpolatedRatio).toBeCloseTo(1, 9);
          } else {
            expect(row.smallestEfRatio).toBeNaN();
            expect(row.interpolatedRatio).toBeNaN();
          }
        }
      }),
    );
  });

  it('a candidate k times as fast at every point is k times as fast at equal recall', () => {
    fc.assert(
      fc.property(ladderArb, fc.double({ min: 0.1, max: 20, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (ladder, k, target) => {
        const faster = ladder.map((p) => ({ ...p, qps: p.qps * k }));
        const [row] = equalRecallRows(faster, ladder, [target]);
        if (!row!.baseline) return;
        expect(row!.smallestEfRatio).toBeCloseTo(k, 6);
        expect(row!.interpolatedRatio).toBeCloseTo(k, 6);
      }),
    );
  });

  it('compares at equal recall, not at equal ef', () => {
    const pg = [
      { ef: 64, recall: 0.88, qps: 365 },
      { ef: 128, recall: 0.96, qps: 235 },
      { ef: 256, recall: 0.99, qps: 157 },
    ];
    const fs = [
      { ef: 64, recall: 0.84, qps: 1600 },
      { ef: 128, recall: 0.94, qps: 1300 },
      { ef: 256, recall: 0.98, qps: 1000 },
      { ef: 512, recall: 0.995, qps: 600 },
    ];
    const [row] = equalRecallRows(fs, pg, [0.98]);
    expect(row!.candidate!.reaching.ef).toBe(256);
    expect(row!.baseline!.reaching.ef).toBe(256);
    expect(row!.smallestEfRatio).toBeCloseTo(1000 / 157, 9);
    // pgvector interpolated between 0.96 and 0.99: two thirds of the way in log(QPS).
    expect(row!.interpolatedRatio).toBeCloseTo(1000 / (235 * Math.pow(157 / 235, 2 / 3)), 9);
  });
});

const pass = (system: string, clients: number, ef: number, recall: number, qps: number): LadderPass => ({
  system,
  ef,
  clients,
  recall,
  rank1: 0.8,
  qps,
  latency: { count: 100, meanMs: 1, p50Ms: 1, p99Ms: 2, maxMs: 3 },
  seconds: 1,
  requests: 100,
  partial: 0,
  load1m: { start: 1, end: 1 },
});

describe('report', () => {
  const passes = [
    pass('pgvector', 1, 64, 0.9, 300),
    pass('pgvector', 1, 128, 0.97, 200),
    pass('pgvector', 8, 64, 0.9, 500),
    pass('pgvector', 8, 128, 0.97, 350),
    pass('fs', 1, 64, 0.91, 1500),
    pass('fs', 1, 128, 0.97, 1100),
    pass('fs', 8, 64, 0.91, 1800),
    pass('fs', 8, 128, 0.97, 1400),
  ];

  it('compares per client count, only the candidate against the baseline', () => {
    const cmp = compareAtEqualRecall(passes, 'fs', 'pgvector', [0.9, 0.97]);
    expect(cmp.map((c) => c.clients)).toEqual([1, 8]);
    expect(cmp[0]!.rows.map((r) => r.smallestEfRatio)).toEqual([1500 / 300, 1100 / 200]);
    expect(cmp[1]!.rows.map((r) => r.smallestEfRatio)).toEqual([1800 / 500, 1400 / 350]);
    expect(compareAtEqualRecall(passes, 'other', 'pgvector', [0.9])).toEqual([]);
  });

  it('says whether the factor holds both ways, one way, or not', () => {
    const table = comparisonTable(compareAtEqualRecall(passes, 'fs', 'pgvector', [0.9, 0.99]), 10, 5);
    const lines = table.split('\n').slice(2);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/ yes$/); // 1 client at 0.90: 5.0x both ways
    expect(lines[1]).toMatch(/ -$/); // 0.99: nobody reaches it
    expect(lines[2]).toMatch(/ no$/); // 8 clients: 3.6x
    expect(passTable(passes, 10).split('\n')).toHaveLength(2 + passes.length);
  });
});

describe('vectorLiteral', () => {
  it('prints every float32 so that reading it back as float4 gives the same value (the sign of a zero aside)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 16 }), (xs) => {
        const v = Float32Array.from(xs);
        const text = vectorLiteral(v);
        expect(text.startsWith('[') && text.endsWith(']')).toBe(true);
        const back = text.slice(1, -1).split(',').map((s) => Math.fround(Number(s)));
        expect(back.every((x, i) => x === v[i])).toBe(true);
      }),
    );
  });
});

describe('parsePgvectorOptions', () => {
  it('gives the defaults with no arguments and reads every list', () => {
    expect(parsePgvectorOptions([])).toEqual(DEFAULT_PGVECTOR_OPTIONS);
    const o = parsePgvectorOptions(['--identities', '1000', '--ef', '256,64,64', '--clients', '8,1', '--recall-targets', '0.99,0.9', '--faceshard', 'embedded,cluster', '--pg-schema', 'my_bench', '--no-cache']);
    expect(o).toMatchObject({ identities: 1000, efLadder: [64, 256], clients: [1, 8], recallTargets: [0.9, 0.99], faceshard: ['embedded', 'cluster'], pgSchema: 'my_bench', cacheDir: null });
    expect(parsePgvectorOptions(['--faceshard', 'none'])).toMatchObject({ faceshard: [] });
    expect(parsePgvectorOptions(['--help'])).toBe('help');
  });

  it('rejects what would be spliced into SQL unchecked, and ef outside pgvector\'s range', () => {
    expect(() => parsePgvectorOptions(['--pg-schema', 'x; drop table y'])).toThrow(/--pg-schema/);
    expect(() => parsePgvectorOptions(['--maintenance-work-mem', "1GB'; --"])).toThrow(/--maintenance-work-mem/);
    expect(() => parsePgvectorOptions(['--ef', '2000'])).toThrow(/1000/);
    expect(() => parsePgvectorOptions(['--ef', '5'])).toThrow(/--k/);
    expect(() => parsePgvectorOptions(['--faceshard', 'cluster,cluster'])).toThrow(/--faceshard/);
    expect(() => parsePgvectorOptions(['--clients', '1,,8'])).toThrow(/--clients/);
    expect(() => parsePgvectorOptions(['--frobnicate'])).toThrow(PgvectorUsageError);
  });
});
