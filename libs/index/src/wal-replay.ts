import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, readdirSync } from 'node:fs';
import { DataLayout, parseLsnName } from './data-layout';
import { FRAME_HEADER_BYTES, frameChecksum, parseFrameHeader } from './wal-frame';
import { decodeWalRecord, type WalRecord } from './wal-ops';

export interface ReplayResult {
  /** The LSN the next appended record gets. */
  nextLsn: number;
  /** First LSNs of the segments on disk, ascending. */
  segments: number[];
  /** The LSN the next record appended to the last segment would carry (null: no segment). */
  lastSegmentNextLsn: number | null;
  /** Bytes cut from the end of the last segment (a record that was never acknowledged). */
  truncatedBytes: number;
  replayedRecords: number;
}

export function listSegments(layout: DataLayout): number[] {
  return readdirSync(layout.walDir)
    .map((name) => parseLsnName(name, '.wal'))
    .filter((lsn): lsn is number => lsn !== null)
    .sort((a, b) => a - b);
}

/**
 * Reads the log and hands every record with LSN > afterLsn to `apply`, in order.
 *
 * A bad frame (short, zero-filled, CRC mismatch) at the end of the LAST segment is a write that
 * never completed — never acknowledged, since acknowledgement waits for fsync — so the segment is
 * truncated there. The same in an earlier segment, or a gap in LSNs, means acknowledged data is
 * damaged or missing: that is an error, not something to skip silently.
 */
export function replayLog(layout: DataLayout, afterLsn: number, apply: (record: WalRecord) => void): ReplayResult {
  const segments = listSegments(layout);
  let expected = afterLsn + 1;
  let lastSegmentNextLsn: number | null = null;
  let truncatedBytes = 0;
  let replayedRecords = 0;
  const header = Buffer.alloc(FRAME_HEADER_BYTES);

  segments.forEach((start, i) => {
    const isLast = i === segments.length - 1;
    const nextStart = segments[i + 1];
    // Every record of this segment is covered by the snapshot: no need to read it.
    if (nextStart !== undefined && nextStart <= afterLsn + 1) return;
    if (start > expected) throw new Error(`log gap: segment ${start} starts after expected lsn ${expected}`);

    const path = layout.segmentFile(start);
    const fd = openSync(path, isLast ? 'r+' : 'r');
    try {
      const size = fstatSync(fd).size;
      let position = 0;
      let lsn = start;
      for (;;) {
        if (position === size) break;
        const bad = (reason: string): never | 'truncate' => {
          if (!isLast) throw new Error(`log segment ${path} is damaged at byte ${position} (${reason})`);
          return 'truncate';
        };
        let verdict: 'ok' | 'truncate' = 'ok';
        let body: Buffer | null = null;
        if (size - position < FRAME_HEADER_BYTES) verdict = bad('truncated header');
        else {
          readSync(fd, header, 0, FRAME_HEADER_BYTES, position);
          const parsed = parseFrameHeader(header);
          if (!parsed) verdict = bad('invalid length');
          else if (position + FRAME_HEADER_BYTES + parsed.bodyLength > size) verdict = bad('truncated body');
          else {
            body = Buffer.allocUnsafe(parsed.bodyLength);
            readSync(fd, body, 0, parsed.bodyLength, position + FRAME_HEADER_BYTES);
            if (frameChecksum(header.subarray(0, 4), body) !== parsed.checksum) verdict = bad('checksum mismatch');
          }
        }
        if (verdict === 'truncate') {
          ftruncateSync(fd, position);
          fsyncSync(fd);
          truncatedBytes = size - position;
          break;
        }
        const record = decodeWalRecord(body as Buffer);
        if (record.lsn !== lsn) throw new Error(`log segment ${path}: record ${record.lsn} where ${lsn} was expected`);
        if (lsn > afterLsn) {
          if (lsn !== expected) throw new Error(`log gap: record ${lsn} where ${expected} was expected`);
          apply(record);
          replayedRecords++;
          expected++;
        }
        lsn++;
        position += FRAME_HEADER_BYTES + (body as Buffer).length;
      }
      if (isLast) lastSegmentNextLsn = lsn;
    } finally {
      closeSync(fd);
    }
  });

  return { nextLsn: expected, segments, lastSegmentNextLsn, truncatedBytes, replayedRecords };
}
