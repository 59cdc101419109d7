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

describe('WriteAheadLog after a failed write', () => {
  it('cuts the segment back to its last successful fdatasync, so records never acknowledged do not come back', async () => {
    const { fs, wal } = await openLog();
    await wal.waitDurable(wal.append(op));
    const segment = new DataLayout(fs.root).segmentFile(1);
    const acknowledgedSize = await fs.size(segment);
    fs.inject({ op: 'datasync', code: 'EIO', times: 1 }); // the bytes reach the file, their fsync fails
    const lost = wal.append(op);
    await expect(wal.waitDurable(lost)).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE', details: { osCode: 'EIO' } });
    expect(await fs.size(segment)).toBeGreaterThan(acknowledgedSize);
    await wal.cutToDurableAndClose();
    expect(await fs.size(segment)).toBe(acknowledgedSize);
  });

  it('maps a full disk to STORAGE_FULL (retryable) and refuses a wait for a record it never appended', async () => {
    const { fs, wal } = await openLog();
    fs.inject({ op: 'write', code: 'ENOSPC', times: 1 });
    await expect(wal.waitDurable(wal.append(op))).rejects.toMatchObject({ code: 'STORAGE_FULL', retryable: true, details: { osCode: 'ENOSPC' } });
    const { wal: fresh } = await openLog();
    await expect(fresh.waitDurable(5)).rejects.toMatchObject({ code: 'SHARD_UNAVAILABLE', message: expect.stringContaining('never appended') });
    await fresh.close();
  });
});
