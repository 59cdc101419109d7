import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnrollJournal, parseJournal } from './enroll-journal';

describe('enroll journal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'faceshard-cli-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('remembers recorded photos across a reopen (the resume after Ctrl-C)', async () => {
    const path = join(dir, 'j.jsonl');
    const first = await EnrollJournal.open(path, 'people');
    await Promise.all([
      first.record({ externalId: 'A/1.jpg', identityId: 'A', faceId: 'f1' }),
      first.record({ externalId: 'A/2.jpg', identityId: 'A', faceId: 'f2' }),
    ]);
    await first.close();
    const again = await EnrollJournal.open(path, 'people');
    expect(again.has('A/1.jpg')).toBe(true);
    expect(again.has('A/2.jpg')).toBe(true);
    expect(again.has('A/3.jpg')).toBe(false);
    expect(again.size).toBe(2);
    await again.close();
  });

  it('keeps collections apart: photos done for one collection are not skipped for another', async () => {
    const path = join(dir, 'j.jsonl');
    const a = await EnrollJournal.open(path, 'a');
    await a.record({ externalId: 'P/1.jpg', identityId: 'P', faceId: 'f' });
    await a.close();
    const b = await EnrollJournal.open(path, 'b');
    expect(b.has('P/1.jpg')).toBe(false);
    await b.close();
  });

  it('ignores a line torn by a crash and appends the next entry on a line of its own', async () => {
    const path = join(dir, 'j.jsonl');
    writeFileSync(path, '{"collection":"c","externalId":"A/1.jpg","identityId":"A","faceId":"f1"}\n{"collection":"c","externalId":"A/2');
    const journal = await EnrollJournal.open(path, 'c');
    expect(journal.size).toBe(1);
    await journal.record({ externalId: 'A/3.jpg', identityId: 'A', faceId: 'f3' });
    await journal.close();
    expect([...parseJournal(readFileSync(path, 'utf8'), 'c').keys()]).toEqual(['A/1.jpg', 'A/3.jpg']);
  });

  it('parseJournal skips malformed entries and blank lines', () => {
    const text = ['', 'not json', '{"collection":"c","externalId":5,"faceId":"x"}', '{"collection":"c","externalId":"ok","identityId":"i","faceId":"f"}'].join('\n');
    expect([...parseJournal(text, 'c')]).toEqual([['ok', 'f']]);
  });
});
