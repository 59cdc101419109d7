import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planMovement } from './plan-movement';
import { RingPlacement } from './ring-placement';

const memberSet = fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/), { minLength: 1, maxLength: 8 });
const keys = fc.array(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/), { maxLength: 200 });

describe('planMovement', () => {
  it('lists exactly the ids whose owner differs, with both owners', () => {
    fc.assert(
      fc.property(memberSet, memberSet, keys, (a, b, ids) => {
        const from = new RingPlacement({ epoch: 1, members: a });
        const to = new RingPlacement({ epoch: 2, members: b });
        const plan = planMovement(from, to, ids);
        for (const id of ids) {
          const was = from.ownerOf(id);
          const now = to.ownerOf(id);
          if (was === now) expect(plan.has(id)).toBe(false);
          else expect(plan.get(id)).toEqual({ from: was, to: now });
        }
        expect([...plan.keys()].every((id) => ids.includes(id))).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('is empty between two placements of the same member set', () => {
    fc.assert(
      fc.property(memberSet, keys, (members, ids) => {
        const plan = planMovement(
          new RingPlacement({ epoch: 1, members }),
          new RingPlacement({ epoch: 2, members: [...members].reverse() }),
          ids,
        );
        expect(plan.size).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('after adding a member, every move goes from an old member to the new one', () => {
    const from = new RingPlacement({ epoch: 1, members: ['s1', 's2', 's3'] });
    const to = new RingPlacement({ epoch: 2, members: ['s1', 's2', 's3', 's4'] });
    const ids = Array.from({ length: 4000 }, (_, i) => `p${i}`);
    const plan = planMovement(from, to, ids);
    expect(plan.size).toBeGreaterThan(0);
    for (const move of plan.values()) {
      expect(move.to).toBe('s4');
      expect(['s1', 's2', 's3']).toContain(move.from);
    }
  });

  it('accepts any iterable, including a generator, and ignores repeated ids', () => {
    const from = new RingPlacement({ epoch: 1, members: ['a'] });
    const to = new RingPlacement({ epoch: 2, members: ['b'] });
    function* gen() {
      yield 'x';
      yield 'y';
      yield 'x';
    }
    expect(planMovement(from, to, gen())).toEqual(new Map([['x', { from: 'a', to: 'b' }], ['y', { from: 'a', to: 'b' }]]));
  });
});
