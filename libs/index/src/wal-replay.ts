import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { basename, join } from 'node:path';
import { FaceshardError } from '@faceshard/contracts';
import { DataLayout, parseLsnName } from './data-layout';
import { mkdirDurable, writeFileDurable } from './durable-fs';
import { readExactly, type StoreFile, type StoreFs } from './store-fs';
import { FRAME_HEADER_BYTES, frameChecksum, parseFrameHeader } from './wal-frame';
import { decodeWalRecord, type WalRecord } from './wal-ops';
import { RECORD_START_PROBE_BYTES, looksLikeRecordStart } from './wal-record-start';

/** What a salvage open cut from the log (also logged, loudly). */
export interface SalvageReport {
  /** The damaged segment and the byte where damage starts. */
  file: string;
  offset: number;
  reason: string;
  /** Bytes cut from that segment, and segments after it moved aside whole. */
  droppedBytes: number;
  movedSegments: string[];
  /** Intact records found in what was cut (they were acknowledged writes), and their LSNs. */
  droppedRecords: number;
  droppedLsns: { first: number; last: number } | null;
  /** Where the cut bytes and moved segments are kept. */
  savedTo: string;
}

export interface ReplayOptions {
  /** Cut at the first damage (keeping what was cut under salvage/) instead of refusing to open. */
  salvage: boolean;
  log: (line: string) => void;
  /**
   * Give the event loop a turn once records have been applied for this long (ms). Unset at open
   * (nothing else runs yet); set when a serving store reloads in place, so heartbeats and reads of
   * the old state go on while a long log is replayed. A record (a batch) is applied whole.
   */
  yieldEveryMs?: number;
  /**
   * Read only (a disk that refuses writes): a torn tail is left in place rather than cut (its
   * record is not applied either: it was never acknowledged), and damage is never salvaged.
   */
  readOnly?: boolean;
}

export interface ReplayResult {
  /** The LSN the next appended record gets. */
  nextLsn: number;
  /** First LSNs of the segments on disk, ascending. */
  segments: number[];
  /** The LSN the next record appended to the last segment would carry (null: no segment). */
  lastSegmentNextLsn: number | null;
  /** Bytes cut from the end of the last segment (a torn write: never acknowledged). */
  truncatedBytes: number;
  replayedRecords: number;
  salvaged: SalvageReport | null;
}

export async function listSegments(fs: StoreFs, layout: DataLayout): Promise<number[]> {
  return (await fs.readdir(layout.walDir))
    .map((name) => parseLsnName(name, '.wal'))
    .filter((lsn): lsn is number => lsn !== null)
    .sort((a, b) => a - b);
}

const READ_CHUNK_BYTES = 8 << 20;

/** Sequential reads of one segment in large chunks (one syscall per frame would be slow). */
class SegmentReader {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;

  constructor(
    private readonly file: StoreFile,
    readonly size: number,
  ) {}

  /** `length` bytes at `position`; the caller checks position + length <= size. */
  async bytes(position: number, length: number): Promise<Buffer> {
    if (position < this.start || position + length > this.start + this.buffer.length) {
      this.buffer = await readExactly(this.file, Math.min(Math.max(length, READ_CHUNK_BYTES), this.size - position), position);
      this.start = position;
    }
    return this.buffer.subarray(position - this.start, position - this.start + length);
  }
}

type FrameAt = { kind: 'ok'; record: WalRecord; next: number } | { kind: 'bad'; reason: string };

async function readRecordAt(reader: SegmentReader, position: number): Promise<FrameAt> {
  if (reader.size - position < FRAME_HEADER_BYTES) return { kind: 'bad', reason: 'truncated header' };
  const header = await reader.bytes(position, FRAME_HEADER_BYTES);
  const parsed = parseFrameHeader(header);
  if (!parsed) return { kind: 'bad', reason: 'invalid length' };
  const next = position + FRAME_HEADER_BYTES + parsed.bodyLength;
  if (next > reader.size) return { kind: 'bad', reason: 'truncated body' };
  const body = await reader.bytes(position + FRAME_HEADER_BYTES, parsed.bodyLength);
  if (frameChecksum(header.subarray(0, 4), body) !== parsed.checksum) return { kind: 'bad', reason: 'checksum mismatch' };
  try {
    return { kind: 'ok', record: decodeWalRecord(body), next };
  } catch (error) {
    return { kind: 'bad', reason: `undecodable record: ${(error as Error).message}` };
  }
}

/**
 * The first intact record starting after `from`, trying every byte offset (a damaged length
 * hides where the next frame starts). looksLikeRecordStart keeps the CRC checks rare.
 */
async function findRecordAfter(reader: SegmentReader, from: number): Promise<{ offset: number; lsn: number } | null> {
  const need = FRAME_HEADER_BYTES + RECORD_START_PROBE_BYTES;
  for (let base = from; base + need <= reader.size; base += READ_CHUNK_BYTES) {
    const window = await reader.bytes(base, Math.min(READ_CHUNK_BYTES + need - 1, reader.size - base));
    const windowStart = base;
    const lastIndex = Math.min(READ_CHUNK_BYTES - 1, window.length - need);
    for (let i = 0; i <= lastIndex; i++) {
      const bodyLength = window.readUInt32LE(i);
      if (bodyLength === 0 || windowStart + i + FRAME_HEADER_BYTES + bodyLength > reader.size) continue;
      if (!looksLikeRecordStart(window, i + FRAME_HEADER_BYTES)) continue;
      const frame = await readRecordAt(reader, windowStart + i);
      // `window` stays valid even if that read replaced the reader's buffer (it keeps its own reference).
      if (frame.kind === 'ok') return { offset: windowStart + i, lsn: frame.record.lsn };
    }
  }
  return null;
}

/** Intact records anywhere in [from, size): what a salvage drops, for its report. */
async function countRecordsFrom(reader: SegmentReader, from: number): Promise<{ records: number; lsns: { first: number; last: number } | null }> {
  let records = 0;
  let lsns: { first: number; last: number } | null = null;
  let position = from;
  for (;;) {
    const found = await findRecordAfter(reader, position);
    if (!found) return { records, lsns };
    position = found.offset;
    for (;;) {
      const frame = await readRecordAt(reader, position);
      if (frame.kind !== 'ok') break;
      records++;
      lsns = lsns ? { first: Math.min(lsns.first, frame.record.lsn), last: Math.max(lsns.last, frame.record.lsn) } : { first: frame.record.lsn, last: frame.record.lsn };
      position = frame.next;
    }
    position++;
  }
}

/**
 * Reads the log and hands every record with LSN > afterLsn to `apply`, in order.
 *
 * Only a torn tail is cut: a bad frame (short, zero-filled, CRC mismatch) at the end of the LAST
 * segment with no intact record anywhere after it. That is a write that never completed, and so
 * was never acknowledged (acknowledgement waits for fsync). A bad frame with intact records after
 * it, damage in an earlier segment, or a gap in LSNs means acknowledged writes are damaged or
 * missing: open refuses with WAL_CORRUPT naming the file and byte, unless `salvage` is set, which
 * keeps the records before the damage, moves the rest under salvage/ and reports what it dropped.
 */
export async function replayLog(fs: StoreFs, layout: DataLayout, afterLsn: number, apply: (record: WalRecord) => void, options: ReplayOptions): Promise<ReplayResult> {
  const segments = await listSegments(fs, layout);
  let expected = afterLsn + 1;
  let lastSegmentNextLsn: number | null = null;
  let truncatedBytes = 0;
  let replayedRecords = 0;
  let salvaged: SalvageReport | null = null;
  let sliceStart = performance.now();

  for (let i = 0; i < segments.length && !salvaged; i++) {
    const start = segments[i];
    const isLast = i === segments.length - 1;
    const nextStart = segments[i + 1];
    // Every record of this segment is covered by the snapshot: no need to read it.
    if (nextStart !== undefined && nextStart <= afterLsn + 1) continue;
    const path = layout.segmentFile(start);
    if (start > expected) {
      const reason = `gap: the segment starts at lsn ${start}, lsn ${expected} was expected`;
      if (!options.salvage || options.readOnly) throw corrupt(path, 0, reason);
      salvaged = await salvageFrom(fs, layout, segments, i, null, 0, reason, options);
      segments.length = i;
      break;
    }

    const file = await fs.open(path, options.readOnly ? 'r' : 'r+');
    try {
      const reader = new SegmentReader(file, await file.size());
      let position = 0;
      let lsn = start;
      while (position < reader.size) {
        const frame = await readRecordAt(reader, position);
        let damage = frame.kind === 'bad' ? frame.reason : null;
        if (frame.kind === 'ok' && frame.record.lsn !== lsn) damage = `record ${frame.record.lsn} where ${lsn} was expected`;
        if (damage === null && frame.kind === 'ok') {
          if (lsn > afterLsn) {
            apply(frame.record);
            replayedRecords++;
            expected++;
            if (options.yieldEveryMs !== undefined && performance.now() - sliceStart > options.yieldEveryMs) {
              await yieldToEventLoop();
              sliceStart = performance.now();
            }
          }
          lsn++;
          position = frame.next;
          continue;
        }
        const reason = damage as string;
        const after = await findRecordAfter(reader, position + 1);
        if (isLast && after === null && frame.kind === 'bad') {
          if (!options.readOnly) {
            await file.truncate(position);
            await file.datasync();
          }
          truncatedBytes = reader.size - position;
          break;
        }
        const detail = after ? `${reason}; an intact record (lsn ${after.lsn}) follows at byte ${after.offset}` : `${reason}; later segments follow`;
        if (!options.salvage || options.readOnly) throw corrupt(path, position, detail);
        salvaged = await salvageFrom(fs, layout, segments, i + 1, { file, reader }, position, detail, options);
        segments.length = i + 1;
        break;
      }
      if (isLast || salvaged) lastSegmentNextLsn = lsn;
    } finally {
      await file.close();
    }
  }

  return { nextLsn: expected, segments, lastSegmentNextLsn, truncatedBytes, replayedRecords, salvaged };
}

function corrupt(path: string, offset: number, reason: string): FaceshardError {
  return new FaceshardError(
    'WAL_CORRUPT',
    `write-ahead log ${path} is damaged at byte ${offset} (${reason}): acknowledged writes after it would be lost, so the store refuses to open. ` +
      'Restore the data folder, or open once with WAL_SALVAGE=1 to keep the records before the damage (the rest is moved to salvage/ and reported).',
    { file: path, offset, reason },
  );
}

/**
 * Salvage: keeps the records before `offset` of the damaged segment. The bytes from `offset` on
 * are copied to salvage/ (fsynced) before the segment is cut, and later segments are moved there
 * whole, so nothing is destroyed; a crash midway repeats the salvage on the next open.
 */
async function salvageFrom(
  fs: StoreFs,
  layout: DataLayout,
  segments: number[],
  firstMovedIndex: number,
  damaged: { file: StoreFile; reader: SegmentReader } | null,
  offset: number,
  reason: string,
  options: ReplayOptions,
): Promise<SalvageReport> {
  await mkdirDurable(fs, layout.salvageDir);
  const damagedPath = damaged ? layout.segmentFile(segments[firstMovedIndex - 1]) : layout.segmentFile(segments[firstMovedIndex]);
  let droppedBytes = 0;
  const dropped: { records: number; lsns: SalvageReport['droppedLsns'] } = { records: 0, lsns: null };
  const note = (counted: { records: number; lsns: SalvageReport['droppedLsns'] }): void => {
    dropped.records += counted.records;
    const [a, b] = [dropped.lsns, counted.lsns];
    dropped.lsns = a && b ? { first: Math.min(a.first, b.first), last: Math.max(a.last, b.last) } : (a ?? b);
  };
  if (damaged) {
    droppedBytes = damaged.reader.size - offset;
    note(await countRecordsFrom(damaged.reader, offset + 1));
    await writeFileDurable(fs, join(layout.salvageDir, `${basename(damagedPath)}.from-${offset}`), await readExactly(damaged.file, droppedBytes, offset));
  }
  const movedSegments: string[] = [];
  for (const start of segments.slice(firstMovedIndex)) {
    const path = layout.segmentFile(start);
    const file = await fs.open(path, 'r');
    try {
      note(await countRecordsFrom(new SegmentReader(file, await file.size()), 0));
    } finally {
      await file.close();
    }
    await fs.rename(path, join(layout.salvageDir, basename(path)));
    movedSegments.push(path);
  }
  if (movedSegments.length > 0) {
    await fs.fsyncPath(layout.salvageDir);
    await fs.fsyncPath(layout.walDir);
  }
  if (damaged) {
    await damaged.file.truncate(offset);
    await damaged.file.datasync();
  }
  const { records: droppedRecords, lsns: droppedLsns } = dropped;
  const report: SalvageReport = { file: damagedPath, offset, reason, droppedBytes, movedSegments, droppedRecords, droppedLsns, savedTo: layout.salvageDir };
  options.log(
    `WAL SALVAGE: the write-ahead log was damaged and the store opened anyway (WAL_SALVAGE). DROPPED ${droppedRecords} intact record(s)` +
      `${droppedLsns ? ` (lsn ${droppedLsns.first}..${droppedLsns.last})` : ''}: ${droppedBytes} byte(s) of ${damagedPath} from byte ${offset}` +
      `${movedSegments.length ? ` and segment(s) ${movedSegments.join(', ')}` : ''}; reason: ${reason}. The cut bytes are kept in ${layout.salvageDir}. ` +
      `${JSON.stringify({ event: 'wal-salvaged', ...report })}`,
  );
  return report;
}
