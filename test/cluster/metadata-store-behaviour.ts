import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaceshardError, type RingState } from '@faceshard/contracts';
import type { ClusterMetadataStore } from '@faceshard/cluster';

/**
 * One metadata store under test, plus `peer()`: another handle on the same metadata, as
 * another process would have it (a second NATS connection; for the local file store, whose
 * process is its only user, the same store).
 */
export interface StoreFixture {
  store: ClusterMetadataStore;
  peer(): Promise<ClusterMetadataStore>;
  close(): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(20);
    }
  }
}

async function failure(p: Promise<unknown>): Promise<FaceshardError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FaceshardError);
    return err as FaceshardError;
  }
  throw new Error('expected a failure');
}

/** Epochs strictly increase and no epoch ever names two different member sets. */
export function expectConsistentHistory(states: RingState[]): void {
  const byEpoch = new Map<number, string>();
  for (const s of states) {
    const set = [...s.members].sort().join(',');
    const seen = byEpoch.get(s.epoch);
    if (seen !== undefined) expect(set, `epoch ${s.epoch}`).toBe(seen);
    byEpoch.set(s.epoch, set);
  }
}

export function describeMetadataStore(name: string, open: () => Promise<StoreFixture>, opts: { concurrentPeers: number }): void {
  describe(`${name}: cluster metadata store behaviour`, () => {
    let fx: StoreFixture;
    beforeEach(async () => {
      fx = await open();
    });
    afterEach(async () => {
      await fx.close();
    });

    it('starts with an empty ring at epoch 0', async () => {
      expect(await fx.store.readRing()).toEqual({ epoch: 0, members: [] });
    });

    it('adds members idempotently, bumping the epoch only on a change', async () => {
      expect(await fx.store.addMember('s2')).toEqual({ epoch: 1, members: ['s2'] });
      expect(await fx.store.addMember('s1')).toEqual({ epoch: 2, members: ['s1', 's2'] });
      expect(await fx.store.addMember('s2')).toEqual({ epoch: 2, members: ['s1', 's2'] });
      const peer = await fx.peer();
      expect(await peer.readRing()).toEqual({ epoch: 2, members: ['s1', 's2'] });
    });

    it('removes members idempotently', async () => {
      await fx.store.addMember('a');
      await fx.store.addMember('b');
      expect(await fx.store.removeMember('a')).toEqual({ epoch: 3, members: ['b'] });
      expect(await fx.store.removeMember('a')).toEqual({ epoch: 3, members: ['b'] });
      expect(await fx.store.readRing()).toEqual({ epoch: 3, members: ['b'] });
    });

    it('refuses a shard id that is not a single subject token', async () => {
      expect((await failure(fx.store.addMember('a.b'))).code).toBe('VALIDATION_FAILED');
      expect(await fx.store.readRing()).toEqual({ epoch: 0, members: [] });
    });

    it('watchRing gives the current ring at once, then every change made through another handle, until stopped', async () => {
      await fx.store.addMember('first');
      const seen: RingState[] = [];
      const stop = await fx.store.watchRing((r) => seen.push(r));
      expect(seen).toEqual([{ epoch: 1, members: ['first'] }]);
      const peer = await fx.peer();
      await peer.addMember('second');
      await peer.addMember('third');
      await eventually(() => expect(seen.at(-1)).toEqual({ epoch: 3, members: ['first', 'second', 'third'] }));
      expect(seen.map((s) => s.epoch)).toEqual([1, 2, 3]);
      stop();
      await peer.addMember('fourth');
      await sleep(200);
      expect(seen).toHaveLength(3);
    });

    it('watchRing on an empty store starts with the empty ring', async () => {
      const seen: RingState[] = [];
      const stop = await fx.store.watchRing((r) => seen.push(r));
      expect(seen).toEqual([{ epoch: 0, members: [] }]);
      await fx.store.addMember('x');
      await eventually(() => expect(seen).toEqual([{ epoch: 0, members: [] }, { epoch: 1, members: ['x'] }]));
      stop();
    });

    it(`never loses a member under concurrent addMember from ${opts.concurrentPeers} handles, one member set per epoch`, async () => {
      const peers = [fx.store];
      for (let i = 1; i < opts.concurrentPeers; i++) peers.push(await fx.peer());
      const history: RingState[] = [];
      const stop = await fx.store.watchRing((r) => history.push(r));
      const ids = peers.flatMap((_, p) => Array.from({ length: 4 }, (__, j) => `p${p}-m${j}`));
      // Each peer adds its own members and some of the others' (duplicates must be harmless).
      const returned = await Promise.all(
        peers.flatMap((peer, p) => [...ids.filter((id) => id.startsWith(`p${p}-`)), ids[(p * 5) % ids.length]].map((id) => peer.addMember(id))),
      );
      const final = await fx.store.readRing();
      expect(final.members).toEqual([...ids].sort());
      expect(final.epoch).toBe(ids.length);
      await eventually(() => expect(history.at(-1)).toEqual(final));
      stop();
      // The watch saw strictly increasing epochs, each a one-member step from the last.
      for (let i = 1; i < history.length; i++) {
        expect(history[i].epoch).toBeGreaterThan(history[i - 1].epoch);
      }
      expectConsistentHistory([...history, ...returned]);
      for (const r of returned) expect(r.members.length).toBe(r.epoch);
    });

    it('creates, reads, lists and deletes collections', async () => {
      const peer = await fx.peer();
      const faces = await fx.store.createCollection({ name: 'faces', dimension: 128, metric: 'cosine' });
      expect(faces).toEqual({ name: 'faces', dimension: 128, metric: 'cosine', generation: faces.generation });
      const abc = await fx.store.createCollection({ name: 'a:b.c', dimension: 512, metric: 'ip' });
      expect(await peer.getCollection('faces')).toEqual(faces);
      expect(await peer.getCollection('a:b.c')).toEqual({ name: 'a:b.c', dimension: 512, metric: 'ip', generation: abc.generation });
      expect(await peer.getCollection('missing')).toBeNull();
      expect((await peer.listCollections()).map((c) => c.name)).toEqual(['a:b.c', 'faces']);
      expect(await peer.deleteCollection('faces')).toBe(true);
      expect(await fx.store.deleteCollection('faces')).toBe(false);
      expect(await fx.store.getCollection('faces')).toBeNull();
      expect((await fx.store.listCollections()).map((c) => c.name)).toEqual(['a:b.c']);
    });

    it('is idempotent for an identical spec and says COLLECTION_EXISTS for a different one', async () => {
      const created = await fx.store.createCollection({ name: 'g', dimension: 128, metric: 'cosine' });
      const peer = await fx.peer();
      expect(await peer.createCollection({ name: 'g', dimension: 128, metric: 'cosine' })).toEqual(created);
      const err = await failure(peer.createCollection({ name: 'g', dimension: 512, metric: 'cosine' }));
      expect(err.code).toBe('COLLECTION_EXISTS');
      expect(err.status).toBe(409);
      expect((await failure(peer.createCollection({ name: 'g', dimension: 128, metric: 'ip' }))).code).toBe('COLLECTION_EXISTS');
      expect(await fx.store.getCollection('g')).toEqual(created);
    });

    it('lets exactly one of several racing creates with different specs win', async () => {
      const peers = [fx.store, await fx.peer(), await fx.peer()];
      const results = await Promise.allSettled(peers.map((p, i) => p.createCollection({ name: 'race', dimension: 64 * (i + 1), metric: 'ip' })));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect((r.reason as FaceshardError).code).toBe('COLLECTION_EXISTS');
      expect(await fx.store.getCollection('race')).toEqual((won[0] as PromiseFulfilledResult<unknown>).value);
    });

    it('can create a collection again, with another spec, after deleting it: a new, higher generation', async () => {
      const first = await fx.store.createCollection({ name: 'again', dimension: 8, metric: 'ip' });
      expect(await fx.store.deleteCollection('again')).toBe(true);
      const second = await fx.store.createCollection({ name: 'again', dimension: 16, metric: 'cosine' });
      expect(second).toMatchObject({ name: 'again', dimension: 16, metric: 'cosine' });
      expect(second.generation).toBeGreaterThan(first.generation!);
      expect((await fx.store.listCollections()).filter((c) => c.name === 'again')).toEqual([second]);
    });

    it('gives every created collection a generation above all earlier ones; a delete names the generation it deletes', async () => {
      const a = await fx.store.createCollection({ name: 'gen-a', dimension: 8, metric: 'ip' });
      const peer = await fx.peer();
      const b = await peer.createCollection({ name: 'gen-b', dimension: 8, metric: 'ip' });
      expect(a.generation).toBeGreaterThan(0);
      expect(b.generation).toBeGreaterThan(a.generation!);
      // A delete of a generation that is not the current one (a stale caller) deletes nothing.
      expect(await peer.deleteCollection('gen-a', a.generation! + 1000)).toBe(false);
      expect(await peer.deleteCollection('gen-a', a.generation)).toBe(true);
      expect(await fx.store.getCollection('gen-a')).toBeNull();
      const again = await fx.store.createCollection({ name: 'gen-a', dimension: 8, metric: 'ip' });
      expect(again.generation).toBeGreaterThan(b.generation!);
      expect(await peer.deleteCollection('gen-a', a.generation)).toBe(false); // the old one is gone already
      expect(await peer.getCollection('gen-a')).toEqual(again);
    });

    it('adopts a collection a shard still holds with its own generation, only when the name has no entry', async () => {
      const adopted = await fx.store.adoptCollection({ name: 'kept', dimension: 8, metric: 'ip', generation: 42 });
      expect(adopted).toMatchObject({ name: 'kept', dimension: 8, metric: 'ip', generation: 42 });
      expect(await fx.store.getCollection('kept')).toEqual(adopted);
      // Another shard's copy (or a stale one) does not replace what is recorded.
      expect(await fx.store.adoptCollection({ name: 'kept', dimension: 16, metric: 'cosine', generation: 7 })).toEqual(adopted);
      // Later creates still get generations above the adopted one.
      expect((await fx.store.createCollection({ name: 'after', dimension: 8, metric: 'ip' })).generation).toBeGreaterThan(42);
      // A deleted name is not brought back by a shard that missed the drop.
      const gone = await fx.store.createCollection({ name: 'gone', dimension: 8, metric: 'ip' });
      expect(await fx.store.deleteCollection('gone')).toBe(true);
      expect(await fx.store.adoptCollection(gone)).toBeNull();
      expect(await fx.store.getCollection('gone')).toBeNull();
    });

    it('refuses invalid specs with VALIDATION_FAILED', async () => {
      expect((await failure(fx.store.createCollection({ name: 'bad name', dimension: 8, metric: 'ip' }))).code).toBe('VALIDATION_FAILED');
      expect((await failure(fx.store.createCollection({ name: 'ok', dimension: 0, metric: 'ip' }))).code).toBe('VALIDATION_FAILED');
    });

    it('watchCollections fires on creates and deletes from another handle, until stopped', async () => {
      await fx.store.createCollection({ name: 'before', dimension: 8, metric: 'ip' });
      let calls = 0;
      const stop = await fx.store.watchCollections(() => calls++);
      await sleep(100);
      expect(calls).toBe(0); // what existed before the watch is not news
      const peer = await fx.peer();
      await peer.createCollection({ name: 'c1', dimension: 8, metric: 'ip' });
      await eventually(() => expect(calls).toBe(1));
      await peer.deleteCollection('c1');
      await eventually(() => expect(calls).toBe(2));
      stop();
      await peer.createCollection({ name: 'c2', dimension: 8, metric: 'ip' });
      await sleep(200);
      expect(calls).toBe(2);
    });
  
    it('keeps rebalancing state on the ring: member states, the move and the read/write epochs survive a round trip', async () => {
      const moving: RingState = {
        epoch: 3,
        members: ['a', 'b'],
        memberStates: [{ shardId: 'c', state: 'joining' }],
        move: { id: 'm1', from: ['a', 'b'], to: ['a', 'b', 'c'], stage: 'migrate-identities', startedAt: '2026-01-01T00:00:00.000Z' },
        readEpoch: 1,
        writeEpoch: 3,
      };
      expect(await fx.store.changeRing(() => moving)).toEqual(moving);
      const peer = await fx.peer();
      expect(await peer.readRing()).toEqual(moving);
      // Returning the same state writes nothing.
      expect(await peer.changeRing((r) => r)).toEqual(moving);
      expect((await fx.store.readRing()).epoch).toBe(3);
    });

    it('registerShard: joins at once into a cluster without data, as joining into one with a collection', async () => {
      expect(await fx.store.registerShard('s1')).toEqual({ epoch: 1, members: ['s1'] });
      expect(await fx.store.registerShard('s2')).toEqual({ epoch: 2, members: ['s1', 's2'] });
      await fx.store.createCollection({ name: 'held', dimension: 8, metric: 'ip' });
      const peer = await fx.peer();
      expect(await peer.registerShard('s3')).toEqual({ epoch: 3, members: ['s1', 's2'], memberStates: [{ shardId: 's3', state: 'joining' }] });
      expect(await fx.store.registerShard('s3')).toEqual({ epoch: 3, members: ['s1', 's2'], memberStates: [{ shardId: 's3', state: 'joining' }] });
    });

    it('documents: create-if-absent, compare-and-set on the revision, list by prefix, delete', async () => {
      const peer = await fx.peer();
      const first = await fx.store.writeDoc('lease.coordinator', { holder: 'a' }, null);
      expect(first).not.toBeNull();
      expect(await peer.writeDoc('lease.coordinator', { holder: 'b' }, null)).toBeNull();
      expect(await peer.readDoc('lease.coordinator')).toEqual({ value: { holder: 'a' }, revision: first });
      const second = await peer.writeDoc('lease.coordinator', { holder: 'b' }, first);
      expect(second).not.toBeNull();
      expect(await fx.store.writeDoc('lease.coordinator', { holder: 'a' }, first)).toBeNull();
      await fx.store.writeDoc('progress.m1.s1', { moved: 1 }, null);
      await fx.store.writeDoc('progress.m1.s2', { moved: 2 }, null);
      await fx.store.writeDoc('progress.m2.s1', { moved: 3 }, null);
      expect(await peer.listDocs('progress.m1')).toEqual(['progress.m1.s1', 'progress.m1.s2']);
      await fx.store.deleteDoc('progress.m1.s1');
      expect(await peer.readDoc('progress.m1.s1')).toBeNull();
      expect(await peer.listDocs('progress.m1')).toEqual(['progress.m1.s2']);
      // Absent again after a delete: create-if-absent works once more.
      expect(await peer.writeDoc('progress.m1.s1', { moved: 9 }, null)).not.toBeNull();
      expect(typeof fx.store.incarnation).toBe('string');
      expect(fx.store.incarnation.length).toBeGreaterThan(0);
    });
  });
}

