import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalMetadataStore } from '@faceshard/cluster';
import { describeMetadataStore } from './metadata-store-behaviour';
import { useTempDir } from '../support/temp-dir';

describeMetadataStore(
  'local file',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faceshard-meta-'));
    const store = await LocalMetadataStore.open(join(dir, 'nested', 'cluster.json'));
    return {
      store,
      // The file store has one user, its own process: another handle is the same store.
      peer: async () => store,
      async close() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { concurrentPeers: 5 },
);

describe('local file store specifics', () => {
  const dir = useTempDir('faceshard-meta-');

  it('keeps the ring and collections across a reopen', async () => {
    const file = join(dir(), 'cluster.json');
    const first = await LocalMetadataStore.open(file);
    await first.addMember('s1');
    await first.addMember('s2');
    await first.removeMember('s1');
    await first.createCollection({ name: 'faces', dimension: 128, metric: 'cosine' });
    await first.createCollection({ name: 'gone', dimension: 8, metric: 'ip' });
    await first.deleteCollection('gone');
    await first.close();

    const second = await LocalMetadataStore.open(file);
    expect(await second.readRing()).toEqual({ epoch: 3, members: ['s2'] });
    const [faces] = await second.listCollections();
    expect(faces).toEqual({ name: 'faces', dimension: 128, metric: 'cosine', generation: faces.generation });
    expect(await second.addMember('s2')).toEqual({ epoch: 3, members: ['s2'] });
    // The generation counter survives the restart: a re-created name never reuses a generation.
    expect((await second.createCollection({ name: 'gone', dimension: 8, metric: 'ip' })).generation).toBeGreaterThan(faces.generation! + 1);
    await second.close();
  });

  it('reads a file written before generations: its collections are generation 0, new ones start above', async () => {
    const file = join(dir(), 'cluster.json');
    writeFileSync(file, JSON.stringify({ version: 1, ring: { epoch: 1, members: ['s'] }, collections: { old: { name: 'old', dimension: 4, metric: 'ip' } } }));
    const store = await LocalMetadataStore.open(file);
    expect(await store.getCollection('old')).toEqual({ name: 'old', dimension: 4, metric: 'ip', generation: 0 });
    expect((await store.createCollection({ name: 'new', dimension: 4, metric: 'ip' })).generation).toBeGreaterThan(0);
    await store.close();
  });

  it('writes a readable JSON file and leaves no temp files behind', async () => {
    const file = join(dir(), 'cluster.json');
    const store = await LocalMetadataStore.open(file);
    expect(readdirSync(dir())).toEqual([]); // nothing written until something changes
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => store.addMember(id)));
    await store.close();
    expect(readdirSync(dir())).toEqual(['cluster.json']);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, ring: { epoch: 4, members: ['a', 'b', 'c', 'd'] } });
  });

  it('refuses to open a corrupt file rather than starting from an empty ring', async () => {
    const file = join(dir(), 'cluster.json');
    writeFileSync(file, '{"version":1,"ring":');
    await expect(LocalMetadataStore.open(file)).rejects.toMatchObject({ code: 'INTERNAL' });
    writeFileSync(file, JSON.stringify({ version: 1, ring: { epoch: 'x', members: [] }, collections: {} }));
    await expect(LocalMetadataStore.open(file)).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('refuses changes after close', async () => {
    const store = await LocalMetadataStore.open(join(dir(), 'cluster.json'));
    await store.close();
    await expect(store.addMember('s')).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
