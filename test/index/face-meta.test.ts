import { afterEach, describe, expect, it } from 'vitest';
import { ShardStore } from '@faceshard/index';
import { makeTempDir, removeDir, vectorFor } from './helpers';

const spec = { name: 'faces', dimension: 8, metric: 'cosine' as const };
const dirs: string[] = [];

async function openStore(dir?: string) {
  const dataDir = dir ?? makeTempDir('face-meta');
  if (!dir) dirs.push(dataDir);
  return { store: await ShardStore.open({ dataDir }), dataDir };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) removeDir(dir);
});

const face = (identityId: string, faceId: string, meta?: Record<string, unknown>) => ({ faceId, vector: vectorFor(identityId, faceId, 8), ...(meta ? { meta } : {}) });

describe('ShardStore face metadata, face removal and attribute filters', () => {
  it('keeps face metadata through the log and through a snapshot', async () => {
    const { store, dataDir } = await openStore();
    await store.ensureCollection(spec);
    await store.upsert('faces', [{ identityId: 'ann', mode: 'append', attributes: { team: 'red' }, faces: [face('ann', 'f1', { externalId: 'x1', quality: 0.9 })] }]);
    await store.upsert('faces', [{ identityId: 'ann', mode: 'append', faces: [face('ann', 'f2')] }]);
    const expected = { identityId: 'ann', attributes: { team: 'red' }, faceIds: ['f1', 'f2'], faces: [{ faceId: 'f1', meta: { externalId: 'x1', quality: 0.9 } }, { faceId: 'f2' }] };
    expect(store.getIdentity('faces', 'ann')).toEqual(expected);
    await store.close();

    const replayed = (await openStore(dataDir)).store; // from the log
    expect(replayed.getIdentity('faces', 'ann')).toEqual(expected);
    expect(replayed.exportIdentity('faces', 'ann')?.faces[0]?.meta).toEqual({ externalId: 'x1', quality: 0.9 });
    await replayed.snapshot();
    await replayed.close();

    const restored = (await openStore(dataDir)).store; // from the snapshot
    expect(restored.recovery.replayedRecords).toBe(0);
    expect(restored.getIdentity('faces', 'ann')).toEqual(expected);
    await restored.close();
  });

  it('removes one face by id (append with removeFaceIds) and forgets its metadata', async () => {
    const { store, dataDir } = await openStore();
    await store.ensureCollection(spec);
    await store.upsert('faces', [{ identityId: 'bob', mode: 'append', faces: [face('bob', 'a', { externalId: 'a' }), face('bob', 'b', { externalId: 'b' })] }]);
    await store.upsert('faces', [{ identityId: 'bob', mode: 'append', faces: [], removeFaceIds: ['a', 'missing'] }]);
    expect(store.getIdentity('faces', 'bob')).toEqual({ identityId: 'bob', faceIds: ['b'], faces: [{ faceId: 'b', meta: { externalId: 'b' } }] });
    expect(store.search('faces', vectorFor('bob', 'a', 8), 1)[0]?.faceId).toBe('b');
    await store.close();
    const reopened = (await openStore(dataDir)).store;
    expect(reopened.getIdentity('faces', 'bob')?.faceIds).toEqual(['b']);
    await reopened.close();
  });

  it('refuses removeFaceIds with mode replace before logging anything', async () => {
    const { store } = await openStore();
    await store.ensureCollection(spec);
    await expect(store.upsert('faces', [{ identityId: 'c', mode: 'replace', faces: [], removeFaceIds: ['x'] }])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(store.getIdentity('faces', 'c')).toBeNull();
    await store.close();
  });

  it('answers a filtered search with only matching identities, still k of them when they exist', async () => {
    const { store } = await openStore();
    await store.ensureCollection(spec);
    const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
    await store.upsert(
      'faces',
      ids.map((id, i) => ({ identityId: id, mode: 'replace' as const, attributes: { group: i % 4 === 0 ? 'vip' : 'staff', n: i }, faces: [face(id, 'f')] })),
    );
    const query = vectorFor('p1', 'f', 8); // a staff member's own face
    const vip = store.search('faces', query, 5, { filter: { group: 'vip' } });
    expect(vip).toHaveLength(5);
    expect(vip.every((hit) => hit.attributes?.group === 'vip')).toBe(true);
    const some = store.search('faces', query, 20, { filter: { n: [1, 2, 99] } });
    expect(some.map((h) => h.identityId).sort()).toEqual(['p1', 'p2']);
    expect(store.search('faces', query, 3, { filter: { group: 'nobody' } })).toEqual([]);
    await store.close();
  });
});
