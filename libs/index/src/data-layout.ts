import { join } from 'node:path';

/**
 * On-disk layout of one shard's data folder:
 *
 *   <dataDir>/LOCK                           OFD-locked (fcntl) by the process that has the folder open; holds its pid
 *   <dataDir>/wal/<firstLsn:20 digits>.wal   log segments; a segment holds records firstLsn, firstLsn+1, ...
 *   <dataDir>/snapshots/<lsn:20 digits>/     newest complete snapshot, covering every record <= lsn
 *       manifest                             framed msgpack: lsn, collection specs, file names
 *       c<N>.hnsw                            hnswlib index of collection N (absent if it never held a vector)
 *       c<N>.meta                            msgpack frames: header (next label, counts), then chunks of identities, freed faces, free labels, tombstones
 *   <dataDir>/snapshots/tmp-<lsn>/           a snapshot being written; deleted on open if a crash left it
 *   <dataDir>/salvage/                       what a salvage open (WAL_SALVAGE=1) cut from a damaged log, kept for forensics
 */
export const LSN_DIGITS = 20;

export function lsnName(lsn: number): string {
  return String(lsn).padStart(LSN_DIGITS, '0');
}

export function parseLsnName(name: string, suffix = ''): number | null {
  if (!name.endsWith(suffix)) return null;
  const stem = name.slice(0, name.length - suffix.length);
  if (stem.length !== LSN_DIGITS || !/^\d+$/.test(stem)) return null;
  const lsn = Number(stem);
  return Number.isSafeInteger(lsn) ? lsn : null;
}

export class DataLayout {
  constructor(readonly root: string) {}

  get lockFile(): string {
    return join(this.root, 'LOCK');
  }

  get walDir(): string {
    return join(this.root, 'wal');
  }

  get salvageDir(): string {
    return join(this.root, 'salvage');
  }

  get snapshotsDir(): string {
    return join(this.root, 'snapshots');
  }

  segmentFile(firstLsn: number): string {
    return join(this.walDir, `${lsnName(firstLsn)}.wal`);
  }

  snapshotDir(lsn: number): string {
    return join(this.snapshotsDir, lsnName(lsn));
  }

  snapshotTempDir(lsn: number): string {
    return join(this.snapshotsDir, `tmp-${lsnName(lsn)}`);
  }
}
