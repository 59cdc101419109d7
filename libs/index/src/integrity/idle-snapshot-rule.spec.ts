import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idleSnapshotStartAt, type IdleSnapshotRule } from './idle-snapshot-rule';

const rule: IdleSnapshotRule = { afterMs: 1000, maxShareOfTime: 0.1 };

describe('idleSnapshotStartAt', () => {
  it('needs none when every written face is in a snapshot, or when turned off', () => {
    expect(idleSnapshotStartAt({ lastWriteAtMs: 0, uncoveredFaces: 0, last: null }, rule)).toBeNull();
    expect(idleSnapshotStartAt({ lastWriteAtMs: 0, uncoveredFaces: 5, last: null }, { ...rule, afterMs: 0 })).toBeNull();
  });

  it('starts once writes have paused for afterMs', () => {
    expect(idleSnapshotStartAt({ lastWriteAtMs: 5000, uncoveredFaces: 1, last: null }, rule)).toBe(6000);
  });

  it('after an idle snapshot waits 9x its length at a 10% share', () => {
    expect(idleSnapshotStartAt({ lastWriteAtMs: 0, uncoveredFaces: 1, last: { startedMs: 10_000, endedMs: 20_000 } }, rule)).toBe(110_000);
  });

  it('never retries sooner than afterMs after the last one, even one that ended at once (a failure)', () => {
    expect(idleSnapshotStartAt({ lastWriteAtMs: 0, uncoveredFaces: 1, last: { startedMs: 50_000, endedMs: 50_000 } }, rule)).toBe(51_000);
  });

  it('over any run of idle snapshots taken as early as allowed, they take at most the share of the time (plus the first)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 30 }), fc.double({ min: 0.05, max: 1, noNaN: true }), (lengths, share) => {
        const r = { afterMs: 500, maxShareOfTime: share };
        let last: { startedMs: number; endedMs: number } | null = null;
        let busy = 0;
        for (const length of lengths) {
          const start: number = idleSnapshotStartAt({ lastWriteAtMs: 0, uncoveredFaces: 1, last }, r)!;
          expect(start).toBeGreaterThanOrEqual(last ? last.endedMs : 0);
          last = { startedMs: start, endedMs: start + length };
          busy += length;
        }
        const elapsed = last!.endedMs - 500; // from the first start (lastWrite 0 + afterMs)
        expect(busy - lengths[lengths.length - 1]!).toBeLessThanOrEqual(share * elapsed + 1e-6);
      }),
    );
  });
});
