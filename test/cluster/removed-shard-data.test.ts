import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { returnedAfterRemoval, setAsideRemovedData } from '@faceshard/cluster';
import { useTempDir } from '../support/temp-dir';

describe('a shard that comes back after the ring dropped it', () => {
  const base = { served: 'inc-1', current: 'inc-1', member: false, heldIdentities: 5 };

  it('sets its data aside only when it served this incarnation, is off the ring and still holds identities', () => {
    expect(returnedAfterRemoval(base)).toBe(true);
    // Still a member (a restart, a crash mid-move): its data is the cluster's.
    expect(returnedAfterRemoval({ ...base, member: true })).toBe(false);
    // The metadata was re-created since (metadata loss): its data is the truth to publish again.
    expect(returnedAfterRemoval({ ...base, served: 'inc-0' })).toBe(false);
    // Never recorded an incarnation (a first start, or data from before the record): nothing to judge by.
    expect(returnedAfterRemoval({ ...base, served: null })).toBe(false);
    // Left by a drain: it dropped what it handed over.
    expect(returnedAfterRemoval({ ...base, heldIdentities: 0 })).toBe(false);
  });

  describe('setting the data aside', () => {
    const tempDir = useTempDir('faceshard-removed-');

    it('moves the store folder, with everything in it, to a dated name beside it and leaves no store folder', async () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'store', 'wal'), { recursive: true });
      writeFileSync(join(dir, 'store', 'wal', '1.wal'), 'records');
      const aside = await setAsideRemovedData(dir, 'store', new Date('2026-11-28T20:01:02.003Z'));
      expect(aside).toBe(join(dir, 'store.removed-2026-11-28T20-01-02-003Z'));
      expect(readdirSync(dir)).toEqual(['store.removed-2026-11-28T20-01-02-003Z']);
      expect(readFileSync(join(aside, 'wal', '1.wal'), 'utf8')).toBe('records');
    });
  });
});
