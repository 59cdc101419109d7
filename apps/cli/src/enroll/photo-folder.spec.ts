import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planFolder, toIdentityId } from './photo-folder';

describe('planFolder: one sub-folder per person, as LFW is laid out', () => {
  let root: string;
  const put = (rel: string) => {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), 'x');
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'faceshard-cli-folder-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('makes one task per photo: identity = folder name, externalId = relative path, sorted', async () => {
    put('Bob_Smith/Bob_Smith_0002.jpg');
    put('Bob_Smith/Bob_Smith_0001.JPG');
    put('Ann_Lee/Ann_Lee_0001.png');
    const plan = await planFolder(root);
    expect(plan.people).toBe(2);
    expect(plan.tasks.map((t) => [t.identityId, t.externalId])).toEqual([
      ['Ann_Lee', 'Ann_Lee/Ann_Lee_0001.png'],
      ['Bob_Smith', 'Bob_Smith/Bob_Smith_0001.JPG'],
      ['Bob_Smith', 'Bob_Smith/Bob_Smith_0002.jpg'],
    ]);
    expect(plan.tasks[0].path).toBe(join(root, 'Ann_Lee/Ann_Lee_0001.png'));
  });

  it('counts nested folders as the person’s, skips non-photos and loose files, ignores hidden entries', async () => {
    put('Ann/2019/a.webp');
    put('Ann/notes.txt');
    put('loose.jpg');
    put('.hidden/x.jpg');
    put('Ann/.DS_Store');
    const plan = await planFolder(root);
    expect(plan.tasks.map((t) => t.externalId)).toEqual(['Ann/2019/a.webp']);
    expect(plan.skipped.map((s) => s.path.slice(root.length + 1)).sort()).toEqual(['Ann/notes.txt', 'loose.jpg']);
  });

  it('follows symbolic links to person folders kept elsewhere', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'faceshard-cli-elsewhere-'));
    try {
      mkdirSync(join(elsewhere, 'Carl'));
      writeFileSync(join(elsewhere, 'Carl', 'c.jpg'), 'x');
      symlinkSync(join(elsewhere, 'Carl'), join(root, 'Carl'));
      const plan = await planFolder(root);
      expect(plan.tasks.map((t) => t.externalId)).toEqual(['Carl/c.jpg']);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('selects people with at least minPhotos photos, then the first maxPeople of them', async () => {
    for (const [person, n] of [['A', 1], ['B', 3], ['C', 2], ['D', 2]] as const) for (let i = 0; i < n; i++) put(`${person}/${i}.jpg`);
    const plan = await planFolder(root, { minPhotos: 2, maxPeople: 2 });
    expect([...new Set(plan.tasks.map((t) => t.identityId))]).toEqual(['B', 'C']);
    expect(plan.people).toBe(2);
    expect(plan.tasks).toHaveLength(5);
  });

  it('skips both folders when two names map to the same identity id instead of merging two people', async () => {
    put('José Ruiz/1.jpg');
    put('Jose_Ruiz/1.jpg');
    put('Other/1.jpg');
    const plan = await planFolder(root);
    expect(plan.tasks.map((t) => t.identityId)).toEqual(['Other']);
    expect(plan.skipped.filter((s) => s.reason.includes('same identity id "Jose_Ruiz"'))).toHaveLength(2);
  });
});

describe('toIdentityId', () => {
  it('keeps valid ids and rewrites the rest into the API’s id alphabet', () => {
    expect(toIdentityId('Aaron_Peirsol')).toBe('Aaron_Peirsol');
    expect(toIdentityId('José María Aznar')).toBe('Jose_Maria_Aznar');
    expect(toIdentityId('_leading')).toBe('leading');
    expect(toIdentityId('x'.repeat(200))).toHaveLength(128);
    expect(toIdentityId('___')).toBeUndefined();
  });
});
