import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARD_EF_EXPONENT, shardEf } from './shard-ef';

const ef = fc.integer({ min: 1, max: 100_000 });
const shards = fc.integer({ min: 1, max: 1_000 });
const exponent = fc.double({ min: 0, max: 1, noNaN: true });

describe('shardEf', () => {
  it('one shard holds the whole collection: it searches with the ef asked for', () => {
    fc.assert(
      fc.property(ef, exponent, (e, b) => {
        expect(shardEf(e, 1, b)).toBe(e);
      }),
    );
  });

  it('is the smallest integer ef at or above ef·S^-β, never above the collection ef and never below 1', () => {
    fc.assert(
      fc.property(ef, shards, exponent, (e, s, b) => {
        const got = shardEf(e, s, b);
        const exact = e * s ** -b;
        expect(Number.isInteger(got)).toBe(true);
        expect(got).toBeGreaterThanOrEqual(1);
        expect(got).toBeLessThanOrEqual(e);
        expect(got).toBeGreaterThanOrEqual(Math.min(e, exact));
        if (got > 1) expect(got - 1).toBeLessThan(exact);
      }),
    );
  });

  it('more shards never need a larger ef; a larger collection ef never gives a smaller one', () => {
    fc.assert(
      fc.property(ef, ef, shards, shards, exponent, (e1, e2, s1, s2, b) => {
        const [eLo, eHi] = e1 <= e2 ? [e1, e2] : [e2, e1];
        const [sLo, sHi] = s1 <= s2 ? [s1, s2] : [s2, s1];
        expect(shardEf(eLo, sHi, b)).toBeLessThanOrEqual(shardEf(eHi, sHi, b));
        expect(shardEf(eHi, sHi, b)).toBeLessThanOrEqual(shardEf(eHi, sLo, b));
      }),
    );
  });

  it('with the measured exponent: 4 shards halve ef 256, 2 shards take ef 1000 to 708', () => {
    expect(SHARD_EF_EXPONENT).toBe(0.5);
    expect(shardEf(256, 4)).toBe(128);
    expect(shardEf(1000, 2)).toBe(708);
    expect(shardEf(64, 16)).toBe(16);
  });

  it('exponent 0 turns the rule off (every shard uses the collection ef)', () => {
    fc.assert(
      fc.property(ef, shards, (e, s) => {
        expect(shardEf(e, s, 0)).toBe(e);
      }),
    );
  });

  it('refuses what is not an ef, a shard count or an exponent', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) expect(() => shardEf(bad, 2)).toThrow(RangeError);
    for (const bad of [0, -2, 2.5, Number.NaN]) expect(() => shardEf(64, bad)).toThrow(RangeError);
    for (const bad of [-0.1, 1.1, Number.NaN]) expect(() => shardEf(64, 2, bad)).toThrow(RangeError);
  });
});
