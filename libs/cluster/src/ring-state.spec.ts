import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { parseRing, ringWithMember, ringWithoutMember } from './ring-state';

const shardId = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);

describe('ring state changes', () => {
  it('adding bumps the epoch by one and keeps members sorted and unique; re-adding changes nothing', () => {
    fc.assert(
      fc.property(fc.array(shardId, { maxLength: 20 }), (ids) => {
        let ring = { epoch: 0, members: [] as string[] };
        for (const id of ids) {
          const next = ringWithMember(ring, id);
          if (ring.members.includes(id)) expect(next).toBe(ring);
          else expect(next.epoch).toBe(ring.epoch + 1);
          ring = next;
        }
        const unique = [...new Set(ids)].sort();
        expect(ring).toEqual({ epoch: unique.length, members: unique });
      }),
    );
  });

  it('removing bumps the epoch only for a member', () => {
    const ring = { epoch: 4, members: ['a', 'b', 'c'] };
    expect(ringWithoutMember(ring, 'b')).toEqual({ epoch: 5, members: ['a', 'c'] });
    expect(ringWithoutMember(ring, 'z')).toBe(ring);
  });

  it('refuses an invalid shard id', () => {
    expect(() => ringWithMember({ epoch: 0, members: [] }, 'a.b')).toThrow(FaceshardError);
  });

  it('parses a stored ring, sorting members, and refuses malformed ones as INTERNAL', () => {
    expect(parseRing({ epoch: 2, members: ['b', 'a'] })).toEqual({ epoch: 2, members: ['a', 'b'] });
    for (const bad of [null, {}, { epoch: -1, members: [] }, { epoch: 1.5, members: [] }, { epoch: 1, members: [1] }, { epoch: 1 }]) {
      try {
        parseRing(bad);
        expect.unreachable();
      } catch (err) {
        expect((err as FaceshardError).code).toBe('INTERNAL');
      }
    }
  });
});
