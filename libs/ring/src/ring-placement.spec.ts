import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { DEFAULT_VNODES_PER_MEMBER, POINTS_PER_VNODE, RingPlacement } from './ring-placement';

const memberId = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,15}$/);
const memberSet = (min: number, max: number) => fc.uniqueArray(memberId, { minLength: min, maxLength: max });
const identityId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,40}$/);
const ids = (n: number, prefix = 'id') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const shards = (n: number) => Array.from({ length: n }, (_, i) => `shard-${i}`);

/** ketama from its definition, independent of the hashring package: the oracle for placement. */
function referenceRing(members: string[], vnodes: number): (key: string) => string {
  const word = (d: Buffer, j: number) => ((d[3 + 4 * j] << 24) | (d[2 + 4 * j] << 16) | (d[1 + 4 * j] << 8) | d[4 * j]) >>> 0;
  const points: { value: number; member: string }[] = [];
  for (const m of [...members].sort()) {
    for (let i = 0; i < vnodes; i++) {
      const d = createHash('md5').update(`${m}-${i}`).digest();
      for (let j = 0; j < POINTS_PER_VNODE; j++) points.push({ value: word(d, j), member: m });
    }
  }
  points.sort((a, b) => a.value - b.value);
  return (key) => {
    const h = word(createHash('md5').update(key).digest(), 0);
    return (points.find((p) => p.value >= h) ?? points[0]).member;
  };
}

describe('RingPlacement', () => {
  it('places every id exactly as ketama defines it (md5, 4 points per vnode), so any process agrees', () => {
    for (const n of [1, 2, 5, 9]) {
      const members = shards(n);
      const placement = new RingPlacement({ epoch: 3, members }, { vnodesPerMember: 20 });
      const reference = referenceRing(members, 20);
      for (const id of ids(300)) expect(placement.ownerOf(id)).toBe(reference(id));
    }
  });

  it('uses exactly vnodesPerMember digests per member whatever the member count (no weight rounding)', () => {
    // hashring derives the count from floor(1/N * vnodes * N) unless told otherwise; for
    // N where that product rounds below vnodes, the oracle (exact count) would disagree.
    for (let n = 1; n <= 40; n++) {
      const members = shards(n);
      const placement = new RingPlacement({ epoch: 1, members }, { vnodesPerMember: 7 });
      const reference = referenceRing(members, 7);
      for (const id of ids(40, `n${n}`)) expect(placement.ownerOf(id)).toBe(reference(id));
    }
  });

  it('places ids named like Object.prototype members correctly, in every epoch', () => {
    const tricky = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__proto__', 'prototype', 'value'];
    for (const members of [shards(3), ['x1', 'x2'], shards(7)]) {
      const placement = new RingPlacement({ epoch: 1, members }, { vnodesPerMember: 20 });
      const reference = referenceRing(members, 20);
      for (let round = 0; round < 2; round++) {
        for (const id of tricky) expect(placement.ownerOf(id)).toBe(reference(id));
      }
    }
    expect((Object as unknown as { value?: unknown }).value).toBeUndefined();
    expect((Object.prototype.toString as unknown as { value?: unknown }).value).toBeUndefined();
  });

  it('gives every id exactly one owner, a member, the same on every call and every instance', () => {
    fc.assert(
      fc.property(memberSet(1, 12), fc.array(identityId, { minLength: 1, maxLength: 50 }), (members, keys) => {
        const a = new RingPlacement({ epoch: 7, members });
        const b = new RingPlacement({ epoch: 7, members: [...members] });
        for (const key of keys) {
          const owner = a.ownerOf(key);
          expect(members).toContain(owner);
          expect(a.ownerOf(key)).toBe(owner);
          expect(b.ownerOf(key)).toBe(owner);
          expect(a.ownersOf(key, 1)).toEqual([owner]);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('does not depend on member order or duplicates', () => {
    fc.assert(
      fc.property(
        memberSet(1, 10).chain((members) => fc.tuple(fc.constant(members), fc.shuffledSubarray(members, { minLength: members.length }))),
        fc.array(identityId, { minLength: 1, maxLength: 60 }),
        ([members, shuffled], keys) => {
          const a = new RingPlacement({ epoch: 1, members });
          const b = new RingPlacement({ epoch: 1, members: [...shuffled, ...shuffled.slice(0, 2)] });
          expect(b.members).toEqual(a.members);
          for (const key of keys) {
            expect(b.ownerOf(key)).toBe(a.ownerOf(key));
            expect(b.ownersOf(key, 3)).toEqual(a.ownersOf(key, 3));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('adding one member to N moves about 1/(N+1) of ids, and only to the new member', () => {
    const keys = ids(4000);
    fc.assert(
      fc.property(
        memberSet(1, 12).chain((members) => fc.tuple(fc.constant(members), memberId.filter((m) => !members.includes(m)))),
        ([members, added]) => {
          const before = new RingPlacement({ epoch: 1, members });
          const after = new RingPlacement({ epoch: 2, members: [...members, added] });
          let moved = 0;
          for (const key of keys) {
            const was = before.ownerOf(key);
            const now = after.ownerOf(key);
            if (was !== now) {
              moved++;
              expect(now).toBe(added);
            }
          }
          // 640 points per member: the new member's share is 1/(N+1) within a few % (sd ~4%),
          // plus the sampling noise of 4000 keys (sd <= 7%); 35% is > 4 sd from either, and far
          // inside "everything moved" or "nothing moved".
          const expected = keys.length / (members.length + 1);
          expect(moved).toBeGreaterThan(expected * 0.65);
          expect(moved).toBeLessThan(expected * 1.35);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('removing a member moves exactly that member\'s ids and nothing else', () => {
    const keys = ids(2000);
    fc.assert(
      fc.property(
        memberSet(2, 12).chain((members) => fc.tuple(fc.constant(members), fc.constantFrom(...members))),
        ([members, removed]) => {
          const before = new RingPlacement({ epoch: 4, members });
          const after = new RingPlacement({ epoch: 5, members: members.filter((m) => m !== removed) });
          for (const key of keys) {
            const was = before.ownerOf(key);
            const now = after.ownerOf(key);
            if (was === removed) expect(now).not.toBe(removed);
            else expect(now).toBe(was);
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it(`balances 100k ids across members within 15% of the mean (${DEFAULT_VNODES_PER_MEMBER} vnodes)`, () => {
    const keys = ids(100_000, 'identity');
    for (const n of [3, 8, 16]) {
      const placement = new RingPlacement({ epoch: 1, members: shards(n) });
      const counts = new Map<string, number>();
      for (const key of keys) {
        const owner = placement.ownerOf(key);
        counts.set(owner, (counts.get(owner) ?? 0) + 1);
      }
      expect(counts.size).toBe(n);
      const mean = keys.length / n;
      for (const [member, count] of counts) {
        expect(Math.abs(count / mean - 1), `${member} of ${n}: ${count} ids, mean ${mean}`).toBeLessThanOrEqual(0.15);
      }
    }
  });

  it('ownersOf returns distinct members, the owner first, capped at the member count', () => {
    fc.assert(
      fc.property(memberSet(1, 8), identityId, fc.integer({ min: 1, max: 12 }), (members, key, replicas) => {
        const placement = new RingPlacement({ epoch: 1, members });
        const owners = placement.ownersOf(key, replicas);
        expect(owners).toHaveLength(Math.min(replicas, members.length));
        expect(new Set(owners).size).toBe(owners.length);
        expect(owners[0]).toBe(placement.ownerOf(key));
        for (const o of owners) expect(members).toContain(o);
      }),
      { numRuns: 100 },
    );
  });

  it('throws NO_SHARDS on an empty ring', () => {
    const empty = new RingPlacement({ epoch: 0, members: [] });
    expect(empty.members).toEqual([]);
    for (const call of [() => empty.ownerOf('a'), () => empty.ownersOf('a', 2)]) {
      expect(call).toThrow(FaceshardError);
      try {
        call();
      } catch (err) {
        expect((err as FaceshardError).code).toBe('NO_SHARDS');
      }
    }
  });

  it('rejects invalid options and states with VALIDATION_FAILED', () => {
    const bad: (() => unknown)[] = [
      () => new RingPlacement({ epoch: 1, members: ['a'] }, { vnodesPerMember: 0 }),
      () => new RingPlacement({ epoch: 1, members: ['a'] }, { vnodesPerMember: 1.5 }),
      () => new RingPlacement({ epoch: -1, members: ['a'] }),
      () => new RingPlacement({ epoch: 1, members: [''] }),
      () => new RingPlacement({ epoch: 1, members: ['a'] }).ownersOf('x', 0),
    ];
    for (const call of bad) {
      try {
        call();
        expect.unreachable('should have thrown');
      } catch (err) {
        expect((err as FaceshardError).code).toBe('VALIDATION_FAILED');
      }
    }
  });

  it('keeps epoch and a sorted copy of the members', () => {
    const p = new RingPlacement({ epoch: 9, members: ['c', 'a', 'b', 'a'] });
    expect(p.epoch).toBe(9);
    expect(p.members).toEqual(['a', 'b', 'c']);
    expect(p.toState()).toEqual({ epoch: 9, members: ['a', 'b', 'c'] });
  });
});
