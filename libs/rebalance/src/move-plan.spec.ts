import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RingPlacement } from '@faceshard/ring';
import { MoveFilter, movingSources, planMove } from './move-plan';

const memberId = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,12}$/);
const memberSet = (min: number, max: number) => fc.uniqueArray(memberId, { minLength: min, maxLength: max });
const ids = (n: number, prefix = 'id') => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const withAdded = memberSet(1, 10).chain((members) => fc.tuple(fc.constant(members), memberId.filter((m) => !members.includes(m))));
const withRemoved = memberSet(2, 10).chain((members) => fc.tuple(fc.constant(members), fc.constantFrom(...members)));

function flatten(plan: ReturnType<typeof planMove>) {
  const moves: { id: string; source: string; target: string }[] = [];
  for (const [source, targets] of plan.bySource) for (const [target, list] of targets) for (const id of list) moves.push({ id, source, target });
  return moves;
}

describe('planMove', () => {
  it('adding a member moves ids only to it, each from its old owner, and about 1/(n+1) of them', () => {
    const keys = ids(3000);
    fc.assert(
      fc.property(withAdded, ([members, added]) => {
        const plan = planMove(members, [...members, added], keys);
        const before = new RingPlacement({ epoch: 0, members });
        for (const move of flatten(plan)) {
          expect(move.target).toBe(added);
          expect(move.source).toBe(before.ownerOf(move.id));
        }
        // 640 ring points per member: the newcomer's share is within a few % of 1/(n+1);
        // 3000 keys add sampling noise (sd <= 8%). 35% is far outside both.
        const ideal = keys.length / (members.length + 1);
        expect(plan.moved).toBeGreaterThan(ideal * 0.65);
        expect(plan.moved).toBeLessThan(ideal * 1.35);
      }),
      { numRuns: 12 },
    );
  });

  it('removing a member moves exactly its ids, and nothing between the members that stay', () => {
    const keys = ids(2000);
    fc.assert(
      fc.property(withRemoved, ([members, removed]) => {
        const before = new RingPlacement({ epoch: 0, members });
        const plan = planMove(members, members.filter((m) => m !== removed), keys);
        const own = keys.filter((k) => before.ownerOf(k) === removed);
        expect([...plan.bySource.keys()]).toEqual(own.length > 0 ? [removed] : []);
        expect(plan.moved).toBe(own.length);
        expect(flatten(plan).map((m) => m.id).sort()).toEqual([...own].sort());
        for (const move of flatten(plan)) expect(move.target).not.toBe(removed);
      }),
      { numRuns: 12 },
    );
  });

  it('is deterministic for a member set: member order, id order and repeats change nothing', () => {
    fc.assert(
      fc.property(memberSet(1, 8), memberSet(1, 8), fc.array(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,16}$/), { maxLength: 150 }), (a, b, keys) => {
        const one = planMove(a, b, keys);
        const two = planMove([...a].reverse(), [...b].reverse(), [...keys].reverse().concat(keys.slice(0, 5)));
        expect(two).toEqual(one);
      }),
      { numRuns: 60 },
    );
  });

  it('agrees id by id with MoveFilter, the form a source shard uses', () => {
    fc.assert(
      fc.property(memberSet(1, 6), memberSet(1, 6), (a, b) => {
        const keys = ids(300, 'x');
        const plan = planMove(a, b, keys);
        const filter = new MoveFilter(a, b);
        const moved = new Map(flatten(plan).map((m) => [m.id, m.target]));
        for (const id of keys) expect(filter.targetOf(id)).toBe(moved.get(id) ?? null);
      }),
      { numRuns: 30 },
    );
  });

  it('names as sources every old member for a join and only the leavers for a leave', () => {
    expect(movingSources(['a', 'b'], ['a', 'b', 'c'])).toEqual(['a', 'b']);
    expect(movingSources(['a', 'b', 'c'], ['a', 'c'])).toEqual(['b']);
    expect(movingSources(['a', 'b', 'c'], ['a', 'd'])).toEqual(['a', 'b', 'c']);
    expect(movingSources(['a', 'b'], ['b', 'a'])).toEqual([]);
    // Every source in a plan is one movingSources names.
    const plan = planMove(['a', 'b', 'c'], ['a', 'c', 'd'], ids(2000));
    for (const source of plan.bySource.keys()) expect(movingSources(['a', 'b', 'c'], ['a', 'c', 'd'])).toContain(source);
  });
});
