import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaceLabels } from './face-labels';

type Op = { kind: 'set'; faceId: string; label: number } | { kind: 'delete'; faceId: string };

const faceIds = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const ops = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), faceId: faceIds, label: fc.nat(1000) }),
    fc.record({ kind: fc.constant('delete' as const), faceId: faceIds }),
  ),
  { maxLength: 40 },
);

describe('FaceLabels', () => {
  it('answers every get, has, size and iteration exactly as a Map after any sequence of sets and deletes', () => {
    fc.assert(
      fc.property(ops, (sequence: Op[]) => {
        const faces = new FaceLabels();
        const map = new Map<string, number>();
        for (const op of sequence) {
          if (op.kind === 'set') {
            faces.set(op.faceId, op.label);
            map.set(op.faceId, op.label);
          } else {
            expect(faces.delete(op.faceId)).toBe(map.delete(op.faceId));
          }
          expect(faces.size).toBe(map.size);
          expect([...faces]).toEqual([...map]);
          expect([...faces.keys()]).toEqual([...map.keys()]);
          expect([...faces.values()]).toEqual([...map.values()]);
          for (const id of ['a', 'b', 'c', 'd', 'e']) {
            expect(faces.get(id)).toBe(map.get(id));
            expect(faces.has(id)).toBe(map.has(id));
          }
        }
      }),
    );
  });

  it('visits every face once when the loop deletes the face it is at (as replace and delete do)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(faceIds, { minLength: 1 }), fc.func(fc.boolean()), (ids, drop) => {
        const faces = new FaceLabels();
        ids.forEach((id, i) => faces.set(id, i));
        const visited: string[] = [];
        for (const [faceId] of faces) {
          visited.push(faceId);
          if (drop(faceId)) faces.delete(faceId);
        }
        expect(visited).toEqual(ids);
        expect([...faces.keys()]).toEqual(ids.filter((id) => !drop(id)));
      }),
    );
  });

  it('keeps a face set again at its place in the order', () => {
    const faces = new FaceLabels().set('a', 1).set('b', 2).set('a', 3);
    expect([...faces]).toEqual([['a', 3], ['b', 2]]);
  });
});
