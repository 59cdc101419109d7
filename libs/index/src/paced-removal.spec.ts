import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeFolderInSteps } from './paced-removal';
import { FaultInjectingFs } from './testing/fault-injecting-fs';

const root = mkdtempSync(join(tmpdir(), 'faceshard-paced-removal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('removeFolderInSteps', () => {
  it('shrinks each big file from its end, one fdatasynced step at a time, then removes the folder', async () => {
    const folder = join(root, 'old-snapshot');
    mkdirSync(folder);
    writeFileSync(join(folder, 'big'), Buffer.alloc(3500));
    writeFileSync(join(folder, 'small'), Buffer.alloc(1000)); // one step or less: goes with the folder
    const fs = await FaultInjectingFs.create(root);
    await removeFolderInSteps(fs, folder, { pacing: 1000 });
    const ops = fs.journal.map((entry) => entry.split(' ').slice(1).join(' ').replace(`${folder}/`, ''));
    expect(ops).toEqual(['truncate big', 'datasync big', 'truncate big', 'datasync big', 'truncate big', 'datasync big', 'truncate big', 'datasync big', `remove ${folder}`]);
    expect(existsSync(folder)).toBe(false);
  });
});
