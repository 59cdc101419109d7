import { describe, expect, it } from 'vitest';
import type { RingState, VersionedIdentity } from '@faceshard/contracts';
import { RingPlacement } from '@faceshard/ring';
import { RingView } from '../ring-view';
import { MoveExporter } from './move-exporter';

const move = { id: 'm1', from: ['a', 'b'], to: ['a', 'b', 'c'] };
const moving: RingState = { epoch: 6, writeEpoch: 6, members: ['a', 'b'], move: { ...move, stage: 'migrate-identities', startedAt: new Date(0).toISOString() } };

/** Ids `a` holds under the old ring that the new one gives to `c`. */
function idsMovingFromA(n: number): string[] {
  const before = new RingPlacement({ epoch: 0, members: move.from });
  const after = new RingPlacement({ epoch: 0, members: move.to });
  return Array.from({ length: 600 }, (_, i) => `p${i}`)
    .filter((id) => before.ownerOf(id) === 'a' && after.ownerOf(id) === 'c')
    .slice(0, n);
}

describe('MoveExporter', () => {
  it('lists what moves only after the writes already holding the write lock are applied: an identity they add is streamed', async () => {
    const [early, late] = idsMovingFromA(2);
    const held = new Set([early]);
    let releaseWriter!: () => void;
    // A write accepted before the source read the move's ring, still being applied (it holds the lock).
    const writerDone = new Promise<void>((resolve) => (releaseWriter = resolve));
    const store = {
      hasCollection: () => true,
      writeBarrier: () => writerDone,
      identityIds: () => [...held],
      tombstones: () => [],
      exportVersioned: (_c: string, identityId: string): VersionedIdentity | null =>
        held.has(identityId) ? { identityId, version: 1, faces: [{ faceId: 'f', vector: Float32Array.of(1, 0) }] } : null,
    };
    const view = new RingView();
    view.observe(moving);
    const exporter = new MoveExporter(store as never, 'a', view);
    const chunk = exporter.exportChunk({ collection: 'people', move, after: null, maxEntries: 100, maxBytes: 1 << 20, ringEpoch: 6 });
    await new Promise((r) => setTimeout(r, 20));
    held.add(late); // the write finishes applying, then lets the barrier through
    releaseWriter();
    const { entries, done, total } = await chunk;
    expect(entries.map((e) => e.entry.identityId).sort()).toEqual([early, late].sort());
    expect(entries.every((e) => e.target === 'c')).toBe(true);
    expect({ done, total }).toEqual({ done: true, total: 2 });
  });
});
