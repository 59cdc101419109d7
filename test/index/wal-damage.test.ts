import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { ShardStore } from '@faceshard/index';
import { makeIdentities, makeTempDir, removeDir } from './helpers';

const DIM = 16;
const spec = { name: 'gallery', dimension: DIM, metric: 'cosine' as const };

function walPath(dir: string, index: number): string {
  const names = readdirSync(join(dir, 'wal')).sort();
  return join(dir, 'wal', names.at(index) as string);
}

/** Byte offset of every frame in a segment: [u32 body length][u32 crc][body]. */
function frameOffsets(path: string): number[] {
  const bytes = readFileSync(path);
  const offsets: number[] = [];
  for (let at = 0; at < bytes.length; at += 8 + bytes.readUInt32LE(at)) offsets.push(at);
  return offsets;
}

function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at] ^= 0x5a;
  writeFileSync(path, bytes);
}

/** create (record 1) + 50 upserts of one identity each (records 2..51, identities id-0..id-49). */
async function fiftyOneRecords(dir: string): Promise<void> {
  const store = await ShardStore.open({ dataDir: dir });
  await store.ensureCollection(spec);
  for (let n = 0; n < 50; n++) await store.upsert('gallery', makeIdentities(n, n + 1, DIM));
  await store.close();
}

async function openError(options: Parameters<typeof ShardStore.open>[0]): Promise<FaceshardError> {
  try {
    const store = await ShardStore.open(options);
    await store.close();
  } catch (error) {
    expect(error).toBeInstanceOf(FaceshardError);
    return error as FaceshardError;
  }
  throw new Error('open succeeded on a damaged log');
}

describe('write-ahead log damage: only a torn tail is cut, anything else refuses to open', () => {
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir('waldamage');
  });

  afterEach(() => {
    removeDir(dir);
  });

  it('refuses to open when one byte of record 3 of 51 is flipped, naming the file and byte offset', async () => {
    await fiftyOneRecords(dir);
    const segment = walPath(dir, -1);
    const offsets = frameOffsets(segment);
    expect(offsets).toHaveLength(51);
    flipByte(segment, offsets[2] + 20); // inside record 3's body
    const sizeBefore = statSync(segment).size;

    const error = await openError({ dataDir: dir });
    expect(error.code).toBe('WAL_CORRUPT');
    expect(error.message).toContain(segment);
    expect(error.message).toContain(`byte ${offsets[2]}`);
    expect(error.message).toMatch(/checksum mismatch; an intact record \(lsn 4\) follows/);
    expect(error.details).toMatchObject({ file: segment, offset: offsets[2] });
    // Nothing was cut: the acknowledged records after the damage are all still on disk.
    expect(statSync(segment).size).toBe(sizeBefore);
  });

  it('refuses to open when the damaged byte is in a record length (the next frame cannot be located by it)', async () => {
    await fiftyOneRecords(dir);
    const segment = walPath(dir, -1);
    const offsets = frameOffsets(segment);
    flipByte(segment, offsets[2] + 2); // length of record 3 now points far past the end of the file
    const error = await openError({ dataDir: dir });
    expect(error.code).toBe('WAL_CORRUPT');
    expect(error.message).toContain(`byte ${offsets[2]}`);
  });

  it('still cuts a torn tail: a partial last record, and zero fill after it', async () => {
    await fiftyOneRecords(dir);
    const segment = walPath(dir, -1);
    const offsets = frameOffsets(segment);
    const full = readFileSync(segment);
    const cutAt = offsets[50] + 30; // record 51 only partly written...
    writeFileSync(segment, Buffer.concat([full.subarray(0, cutAt), Buffer.alloc(4096)])); // ...and a zero-filled block
    const store = await ShardStore.open({ dataDir: dir });
    expect(store.recovery.truncatedBytes).toBe(cutAt - offsets[50] + 4096);
    expect(store.recovery.salvaged).toBeNull();
    expect(store.stats()[0]).toMatchObject({ identities: 49 });
    expect(store.getIdentity('gallery', 'id-48')).not.toBeNull();
    await store.close();
  });

  it('salvage mode opens a damaged log, keeps the records before the damage and reports loudly what it dropped', async () => {
    await fiftyOneRecords(dir);
    const segment = walPath(dir, -1);
    const offsets = frameOffsets(segment);
    const original = readFileSync(segment);
    flipByte(segment, offsets[2] + 20);
    const damagedTail = readFileSync(segment).subarray(offsets[2]);

    const lines: string[] = [];
    const store = await ShardStore.open({ dataDir: dir, walSalvage: true, log: (line) => lines.push(line) });
    // Records 1 (create) and 2 (id-0) survive; record 3 is damaged; 4..51 (id-2..id-49) are dropped.
    expect(store.identityIds('gallery')).toEqual(['id-0']);
    expect(store.recovery.salvaged).toMatchObject({
      file: segment,
      offset: offsets[2],
      droppedBytes: original.length - offsets[2],
      droppedRecords: 48,
      droppedLsns: { first: 4, last: 51 },
      movedSegments: [],
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WAL SALVAGE.*DROPPED 48 intact record\(s\) \(lsn 4\.\.51\)/);
    expect(lines[0]).toContain(`from byte ${offsets[2]}`);
    // What was cut is kept for forensics, byte for byte.
    const saved = join(dir, 'salvage', `${segment.split('/').pop()}.from-${offsets[2]}`);
    expect(Buffer.compare(readFileSync(saved), damagedTail)).toBe(0);
    // The salvaged store works, and opens strictly afterwards.
    await store.upsert('gallery', makeIdentities(100, 101, DIM));
    await store.close();
    const again = await ShardStore.open({ dataDir: dir });
    expect(again.identityIds('gallery').sort()).toEqual(['id-0', 'id-100']);
    expect(again.recovery.salvaged).toBeNull();
    await again.close();
  });

  describe('a segment that is not the last', () => {
    /** Two segments, no snapshot: a snapshot that failed right after rotating the log. */
    async function twoSegments(): Promise<{ first: string; second: string }> {
      const store = await ShardStore.open({
        dataDir: dir,
        testHooks: {
          onSnapshotPhase: (phase) => {
            if (phase === 'rotated') throw new Error('snapshot interrupted after rotating');
          },
        },
      });
      await store.ensureCollection(spec);
      for (let n = 0; n < 10; n++) await store.upsert('gallery', makeIdentities(n, n + 1, DIM));
      await expect(store.snapshot()).rejects.toThrow(/interrupted/);
      for (let n = 10; n < 20; n++) await store.upsert('gallery', makeIdentities(n, n + 1, DIM));
      await store.close();
      expect(readdirSync(join(dir, 'snapshots'))).toEqual([]);
      expect(readdirSync(join(dir, 'wal'))).toHaveLength(2);
      return { first: walPath(dir, 0), second: walPath(dir, 1) };
    }

    it('is needed in full: intact two-segment log recovers everything', async () => {
      await twoSegments();
      const store = await ShardStore.open({ dataDir: dir });
      expect(store.stats()[0]).toMatchObject({ identities: 20 });
      await store.close();
    });

    it('refuses to open when a record in the middle of it is damaged', async () => {
      const { first } = await twoSegments();
      const offsets = frameOffsets(first);
      flipByte(first, offsets[5] + 12);
      const error = await openError({ dataDir: dir });
      expect(error.code).toBe('WAL_CORRUPT');
      expect(error.details).toMatchObject({ file: first, offset: offsets[5] });
    });

    it('refuses to open when its LAST record is damaged (a torn tail can only be in the last segment)', async () => {
      const { first } = await twoSegments();
      const offsets = frameOffsets(first);
      const size = statSync(first).size;
      writeFileSync(first, readFileSync(first).subarray(0, size - 7));
      const error = await openError({ dataDir: dir });
      expect(error.code).toBe('WAL_CORRUPT');
      expect(error.details).toMatchObject({ file: first, offset: offsets.at(-1) });
      expect(error.message).toMatch(/later segments follow/);
    });

    it('salvage cuts it there and moves the later segment aside whole', async () => {
      const { first, second } = await twoSegments();
      const offsets = frameOffsets(first);
      flipByte(first, offsets[5] + 12); // record 6 = id-4
      const lines: string[] = [];
      const store = await ShardStore.open({ dataDir: dir, walSalvage: true, log: (line) => lines.push(line) });
      expect(store.identityIds('gallery').sort()).toEqual(['id-0', 'id-1', 'id-2', 'id-3']);
      expect(store.recovery.salvaged).toMatchObject({ file: first, offset: offsets[5], movedSegments: [second], droppedRecords: 15, droppedLsns: { first: 7, last: 21 } });
      expect(existsSync(second)).toBe(false);
      expect(existsSync(join(dir, 'salvage', second.split('/').pop() as string))).toBe(true);
      expect(lines.join('\n')).toContain('DROPPED 15');
      await store.close();
    });
  });
});
