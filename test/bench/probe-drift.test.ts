import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBE_TOLERANCE, probeDrift, type ProbeEmbedding } from '../../bench/calibration/probe-drift';

const probe = (photo: string, embedding: number[] | null): ProbeEmbedding => ({ photo, embedding });

describe('probeDrift', () => {
  it('accepts embeddings that differ by CPU-kernel noise (below the tolerance)', () => {
    const shipped = [probe('a.jpg', [0.1, -0.2, 0.3]), probe('b.jpg', null)];
    const now = [probe('a.jpg', [0.1 + 3e-6, -0.2 - 1e-5, 0.3]), probe('b.jpg', null)];
    expect(probeDrift(shipped, now)).toEqual([]);
  });

  it('reports an embedding that moved by more than the tolerance, with how far', () => {
    const drift = probeDrift([probe('a.jpg', [0.1, 0.2])], [probe('a.jpg', [0.1, 0.2 + 5 * PROBE_TOLERANCE])]);
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ photo: 'a.jpg', kind: 'moved' });
    expect((drift[0] as { maxAbsDiff: number }).maxAbsDiff).toBeCloseTo(5 * PROBE_TOLERANCE, 9);
  });

  it('reports a face that is no longer found, a face found where there was none, a new dimension and a missing photo', () => {
    const shipped = [probe('lost.jpg', [1]), probe('found.jpg', null), probe('dim.jpg', [1, 0]), probe('gone.jpg', [1])];
    const now = [probe('lost.jpg', null), probe('found.jpg', [1]), probe('dim.jpg', [1, 0, 0])];
    expect(probeDrift(shipped, now).map((d) => `${d.photo}:${d.kind}`)).toEqual(['lost.jpg:face-lost', 'found.jpg:face-found', 'dim.jpg:dimension-changed', 'gone.jpg:photo-missing']);
  });

  it('counts a NaN in today\'s embedding as moved', () => {
    expect(probeDrift([probe('a.jpg', [0.5])], [probe('a.jpg', [Number.NaN])])).toMatchObject([{ photo: 'a.jpg', kind: 'moved' }]);
  });

  it('finds no drift between a set of probes and itself, and drift as soon as one element moves past the tolerance', () => {
    const vectors = fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 16 });
    fc.assert(
      fc.property(vectors, fc.nat(), fc.float({ min: Math.fround(1.01), max: 100, noNaN: true }), (embedding, at, scale) => {
        const shipped = [probe('p.jpg', embedding)];
        expect(probeDrift(shipped, shipped)).toEqual([]);
        const moved = [...embedding];
        moved[at % moved.length] = moved[at % moved.length]! + scale * PROBE_TOLERANCE;
        expect(probeDrift(shipped, [probe('p.jpg', moved)])).toHaveLength(1);
      }),
    );
  });
});
