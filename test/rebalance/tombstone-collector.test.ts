import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShardStore } from '@faceshard/index';
import { MoveFilter } from '@faceshard/rebalance';
import { RingView } from '../../apps/shard/src/ring-view';
import { TombstoneCollector } from '../../apps/shard/src/rebalance/tombstone-collector';
import { makeTempDir, removeDir } from '../index/helpers';

const NOW = Date.UTC(2026, 10, 27, 12);
const GRACE = 10 * 60_000;
const at = (ms: number) => ms * 1000; // a version stamped at that wall-clock time (VersionClock)

describe('tombstone collector (shard): forgets a tombstone once every copy agrees, against a real store', () => {
  let dir: string;
  let store: ShardStore;

  beforeEach(async () => {
    dir = makeTempDir('tombstone-gc');
    store = await ShardStore.open({ dataDir: dir, graphUpkeepIdleMs: 0 });
    await store.ensureCollection({ name: 'g', dimension: 2, metric: 'cosine' });
  });

  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  it('purges old tombstones no move covers; keeps young ones, moving ones, and a delete made after it decided', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `id-${i}`);
    await store.applyVersioned('g', [...ids.map((identityId) => ({ identityId, version: at(NOW - 2 * GRACE), deleted: true as const })), { identityId: 'young', version: at(NOW - 1000), deleted: true }]);
    const ring = new RingView();
    ring.observe({ epoch: 3, members: ['a', 'b'], memberStates: [{ shardId: 'c', state: 'joining' }], move: { id: 'm', from: ['a', 'b'], to: ['a', 'b', 'c'], stage: 'migrate-identities', startedAt: '2026-11-27T11:00:00Z' } });
    const moving = ids.filter((id) => new MoveFilter(['a', 'b'], ['a', 'b', 'c']).targetOf(id) !== null);
    expect(moving.length).toBeGreaterThan(0);
    expect(moving.length).toBeLessThan(ids.length);
    const collector = new TombstoneCollector(store, ring, { everyMs: 0, graceMs: GRACE, now: () => NOW }, () => undefined);

    expect(await collector.collectOnce()).toBe(ids.length - moving.length);
    expect(store.tombstones('g').map((t) => t.identityId).sort()).toEqual([...moving, 'young'].sort());

    // The move committed: the ring has no move, the moving ids' tombstones go too (the young one stays).
    ring.observe({ epoch: 4, members: ['a', 'b', 'c'] });
    expect(await collector.collectOnce()).toBe(moving.length);
    expect(store.tombstones('g').map((t) => t.identityId)).toEqual(['young']);
  });

  it('a purge names the version it decided on: a newer delete of the id keeps its tombstone', async () => {
    await store.applyVersioned('g', [{ identityId: 'x', version: at(NOW - 2 * GRACE), deleted: true }]);
    await store.applyVersioned('g', [{ identityId: 'x', version: at(NOW - 2 * GRACE) + 5, deleted: true }]); // deleted again meanwhile
    expect(await store.purgeTombstones('g', ['x'], { upToVersions: [at(NOW - 2 * GRACE)] })).toBe(0);
    expect(store.versionOf('g', 'x')).toEqual({ version: at(NOW - 2 * GRACE) + 5, deleted: true });
    expect(await store.purgeTombstones('g', ['x'], { upToVersions: [at(NOW - 2 * GRACE) + 5] })).toBe(1);
  });
});
