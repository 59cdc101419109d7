import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { incomingWins, VersionClock, type VersionStamp } from './version-order';

/**
 * A pure model of one shard's view of identities under "newest version wins": what a shard
 * holds per id after applying copies (live or tombstone) in some order.
 */
interface Copy {
  id: string;
  version: number;
  deleted: boolean;
  /** Stands for the identity's content (faces, attributes). */
  content: string;
}

function applyAll(copies: Copy[]): Map<string, Copy> {
  const held = new Map<string, Copy>();
  for (const copy of copies) {
    const current = held.get(copy.id);
    const stamp: VersionStamp | undefined = current && { version: current.version, deleted: current.deleted };
    if (incomingWins(stamp, copy)) held.set(copy.id, copy);
  }
  return held;
}

/** Writes to a few ids, each write of an id with its own version (an owner never reuses one). */
const writes = fc
  .array(
    fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), deleted: fc.boolean(), content: fc.string({ maxLength: 3 }) }),
    { minLength: 1, maxLength: 25 },
  )
  .chain((events) =>
    fc.uniqueArray(fc.integer({ min: 0, max: 1_000_000 }), { minLength: events.length, maxLength: events.length }).map((versions) =>
      events.map((event, i): Copy => ({ ...event, version: versions[i] })),
    ),
  );

/** Any delivery of the writes: reordered, some delivered twice (retried chunks, dual writes). */
const deliveries = writes.chain((all) =>
  fc
    .tuple(fc.shuffledSubarray(all, { minLength: 0 }), fc.constant(all))
    .chain(([again, everything]) => fc.shuffledSubarray([...everything, ...again], { minLength: everything.length + again.length }).map((order) => ({ all: everything, order }))),
);

function newestPerId(copies: Copy[]): Map<string, Copy> {
  const newest = new Map<string, Copy>();
  for (const copy of copies) if ((newest.get(copy.id)?.version ?? -1) < copy.version) newest.set(copy.id, copy);
  return newest;
}

describe('newest version wins (pure merge rule)', () => {
  it('any interleaving, with duplicates, converges to the max-version state of every id', () => {
    fc.assert(
      fc.property(deliveries, ({ all, order }) => {
        expect(applyAll(order)).toEqual(newestPerId(all));
      }),
      { numRuns: 500 },
    );
  });

  it('an older live copy never resurrects a delete, wherever it arrives', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1000 }), fc.nat({ max: 1000 }), fc.boolean(), (deleteVersion, delta, copyFirst) => {
        const tombstone: Copy = { id: 'x', version: deleteVersion + 1, deleted: true, content: '' };
        const oldCopy: Copy = { id: 'x', version: Math.max(0, deleteVersion - delta), deleted: false, content: 'old' };
        const held = applyAll(copyFirst ? [oldCopy, tombstone] : [tombstone, oldCopy]);
        expect(held.get('x')).toEqual(tombstone);
      }),
    );
  });

  it('the same version again changes nothing, except that a tombstone beats a live copy of equal version', () => {
    expect(incomingWins({ version: 5, deleted: false }, { version: 5, deleted: false })).toBe(false);
    expect(incomingWins({ version: 5, deleted: true }, { version: 5, deleted: true })).toBe(false);
    expect(incomingWins({ version: 5, deleted: true }, { version: 5, deleted: false })).toBe(false);
    expect(incomingWins({ version: 5, deleted: false }, { version: 5, deleted: true })).toBe(true);
    expect(incomingWins(undefined, { version: 0, deleted: false })).toBe(true);
  });
});

describe('VersionClock', () => {
  it('hands out versions above the floor, above every earlier one, and at least the clock', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -1, max: 2e12 }), fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 50 }), (steps) => {
        let now = 1_700_000_000_000;
        const clock = new VersionClock(() => now);
        let previous = -1;
        for (const [floor, tick] of steps) {
          now += tick - 2; // the wall clock may even step back
          const version = clock.next(floor);
          expect(version).toBeGreaterThan(floor);
          expect(version).toBeGreaterThan(previous);
          expect(version).toBeGreaterThanOrEqual(Math.floor(now) * 1000);
          expect(Number.isSafeInteger(version)).toBe(true);
          previous = version;
        }
      }),
    );
  });

  it('never hands out a version it observed elsewhere', () => {
    const clock = new VersionClock(() => 1);
    clock.observe(10_000);
    expect(clock.next(-1)).toBe(10_001);
    clock.observe(5);
    expect(clock.next(-1)).toBe(10_002);
  });
});
