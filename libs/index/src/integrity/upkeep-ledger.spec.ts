import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UpkeepLedger, type UpkeepRule } from './upkeep-ledger';

const RULE: UpkeepRule = { idleMs: 1000, minFaces: 1000, shareOfCollection: 0.5 };

describe('UpkeepLedger', () => {
  it('faces written after the newest snapshot make no check due, however long writes pause', () => {
    const ledger = new UpkeepLedger(RULE, 10);
    ledger.noteWrites(11, 5, 0);
    expect(ledger.due(1_000_000, 100)).toBe(false);
    expect(ledger.wakeAtMs()).toBeNull(); // waits for a snapshot, not a timer
    expect(ledger.uncoveredFaces).toBe(5);
  });

  it('once a snapshot holds them, a check is due when writes have paused for idleMs', () => {
    const ledger = new UpkeepLedger(RULE, 10);
    ledger.noteWrites(11, 5, 0);
    ledger.snapshotInstalled(11);
    expect(ledger.coveredFaces).toBe(5);
    expect(ledger.due(999, 100)).toBe(false);
    expect(ledger.wakeAtMs()).toBe(1000);
    expect(ledger.due(1000, 100)).toBe(true);
  });

  it('under continuous writes, a check is due once the covered faces make up half the collection (at least minFaces)', () => {
    const ledger = new UpkeepLedger(RULE, 0);
    ledger.noteWrites(1, 999, 0);
    ledger.snapshotInstalled(1);
    expect(ledger.due(1, 1500)).toBe(false); // 999 < 1000
    ledger.noteWrites(2, 1, 1);
    ledger.snapshotInstalled(2);
    expect(ledger.due(2, 2000)).toBe(true);
    expect(ledger.due(2, 2001)).toBe(false); // 1000 < 2001 / 2
  });

  it('a check covers what its snapshot held; faces written after it are due after the next snapshot', () => {
    const ledger = new UpkeepLedger(RULE, 0);
    ledger.noteWrites(5, 10, 0);
    ledger.snapshotInstalled(5);
    ledger.noteWrites(8, 3, 10);
    expect(ledger.due(5000, 100)).toBe(true);
    ledger.checked(5);
    expect(ledger.due(5000, 100)).toBe(false);
    expect(ledger.uncoveredFaces).toBe(3);
    ledger.snapshotInstalled(9);
    expect(ledger.coveredFaces).toBe(3);
    expect(ledger.due(5000, 100)).toBe(true);
    ledger.checked(9);
    expect(ledger.coveredFaces + ledger.uncoveredFaces).toBe(0);
  });

  it('a write noted after a check read a snapshot holding it is not counted again', () => {
    const ledger = new UpkeepLedger(RULE, 7);
    ledger.checked(7);
    ledger.noteWrites(6, 4, 0);
    expect(ledger.coveredFaces + ledger.uncoveredFaces).toBe(0);
  });

  type Event = { kind: 'write'; lsn: number; faces: number } | { kind: 'snapshot'; lsn: number } | { kind: 'check' };
  const events = (maxLength: number) =>
    fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('write' as const), lsn: fc.integer({ min: 1, max: 2000 }), faces: fc.integer({ min: 1, max: 5 }) }),
        fc.record({ kind: fc.constant('snapshot' as const), lsn: fc.integer({ min: 1, max: 2000 }) }),
        fc.record({ kind: fc.constant('check' as const) }),
      ),
      { maxLength },
    );

  /** Plays the events on a ledger and on a plain model (every write kept with its LSN); calls `compare` after each. */
  function play(list: Event[], compare: (ledger: UpkeepLedger, model: { covered: number; uncovered: number }) => void): UpkeepLedger {
    const ledger = new UpkeepLedger(RULE, 0);
    let snapshot = 0;
    let checked = 0;
    let unchecked: { lsn: number; faces: number }[] = [];
    for (const event of list) {
      if (event.kind === 'write') {
        ledger.noteWrites(event.lsn, event.faces, 0);
        if (event.lsn > checked) unchecked.push({ lsn: event.lsn, faces: event.faces });
      } else if (event.kind === 'snapshot') {
        snapshot = Math.max(snapshot, event.lsn);
        ledger.snapshotInstalled(event.lsn);
      } else {
        checked = Math.max(checked, snapshot);
        ledger.checked(snapshot);
        unchecked = unchecked.filter((w) => w.lsn > checked);
      }
      const sum = (ws: { faces: number }[]) => ws.reduce((total, w) => total + w.faces, 0);
      compare(ledger, { covered: sum(unchecked.filter((w) => w.lsn <= snapshot)), uncovered: sum(unchecked.filter((w) => w.lsn > snapshot)) });
    }
    return ledger;
  }

  it('counts exactly the unchecked faces the newest snapshot holds and those it does not, in any order of notes', () => {
    // At most 200 writes: fewer than the entries the ledger keeps before it merges.
    fc.assert(
      fc.property(events(200), (list) => {
        play(list, (ledger, model) => {
          expect(ledger.coveredFaces).toBe(model.covered);
          expect(ledger.uncoveredFaces).toBe(model.uncovered);
        });
      }),
    );
  });

  it('with many writes (merged notes) never counts as covered a face logged after the newest snapshot, and a final snapshot and check leave nothing', () => {
    fc.assert(
      fc.property(events(1500), (list) => {
        const ledger = play(list, (ledger, model) => {
          expect(ledger.uncoveredFaces).toBeGreaterThanOrEqual(model.uncovered);
        });
        ledger.snapshotInstalled(2000);
        ledger.checked(2000);
        expect(ledger.coveredFaces + ledger.uncoveredFaces).toBe(0);
      }),
      { numRuns: 50 },
    );
  });
});
