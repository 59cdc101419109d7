import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataLayout } from './data-layout';
import { FaultInjectingFs } from './testing/fault-injecting-fs';
import { WriteAheadLog } from './write-ahead-log';

const root = mkdtempSync(join(tmpdir(), 'faceshard-wal-activity-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let cases = 0;

async function openLog(): Promise<{ fs: FaultInjectingFs; wal: WriteAheadLog }> {
  const dir = join(root, `case-${cases++}`);
  mkdirSync(join(dir, 'wal'), { recursive: true });
  const fs = await FaultInjectingFs.create(dir);
  const wal = await WriteAheadLog.open(fs, new DataLayout(dir), { nextLsn: 1, segments: [], lastSegmentNextLsn: null });
  return { fs, wal };
}

const op = { type: 'drop' as const, name: 'x' };

describe('WriteAheadLog sync activity (what a snapshot copy gives way to)', () => {
  it('reports a round in flight from the append until its records are durable', async () => {
    const { wal } = await openLog();
    expect(wal.syncActivity.syncing).toBe(false);
    const lsn = wal.append(op);
    expect(wal.syncActivity.syncing).toBe(true);
    await wal.waitDurable(lsn);
    expect(wal.syncActivity.syncing).toBe(false);
    await wal.close();
  });

  it('ends the round when its fdatasync fails (a failed log never holds the copy back)', async () => {
    const { fs, wal } = await openLog();
    fs.inject({ op: 'datasync', code: 'EIO' });
    const lsn = wal.append(op);
    await expect(wal.waitDurable(lsn)).rejects.toThrow(/write-ahead log write failed/);
    expect(wal.syncActivity.syncing).toBe(false);
  });
});
