/**
 * Memory per identity, as the 1M benchmark reports it: a process's resident set (Linux
 * /proc/<pid>/status VmRSS) and the bytes an hnswlib index takes per element (from an index file:
 * hnswlib writes exactly the used part of its memory, level 0 for cur_element_count elements
 * plus every element's upper-level links, after a header holding that count).
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Resident set of a live process in bytes; NaN when it cannot be read (not Linux, process gone). */
export function residentBytes(pid: number): number {
  try {
    return parseVmRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** VmRSS of a /proc/<pid>/status text, in bytes. Pure. */
export function parseVmRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

export interface IndexFileSize {
  bytes: number;
  elements: number;
  bytesPerElement: number;
}

/**
 * hnswlib's saveIndex header: offsetLevel0, max_elements, cur_element_count, ... each a
 * little-endian size_t (8 bytes on the 64-bit builds hnswlib-node ships). Pure over the bytes.
 */
export function elementsInIndexHeader(header: Uint8Array): number {
  if (header.length < 24) throw new Error('an hnswlib index header is at least 24 bytes');
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const count = view.getBigUint64(16, true);
  if (count > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('implausible element count in hnswlib header');
  return Number(count);
}

export function indexFileSize(path: string): IndexFileSize {
  const bytes = statSync(path).size;
  const header = new Uint8Array(24);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, header, 0, 24, 0) !== 24) throw new Error(`${path}: shorter than an hnswlib header`);
  } finally {
    closeSync(fd);
  }
  const elements = elementsInIndexHeader(header);
  return { bytes, elements, bytesPerElement: elements > 0 ? bytes / elements : NaN };
}

/**
 * The hnswlib files of a shard's newest complete snapshot. A shard process keeps its store under
 * <DATA_DIR>/store (apps/shard/src/start-shard-node.ts), so its snapshots are
 * <DATA_DIR>/store/snapshots/<lsn>/c<N>.hnsw (libs/index/src/data-layout.ts); a store folder given
 * directly is accepted too. Empty when it has taken none yet (a shard snapshots every
 * SNAPSHOT_EVERY_OPS changes).
 */
export function newestSnapshotIndexFiles(dataDir: string): string[] {
  const nested = join(dataDir, 'store', 'snapshots');
  const dir = existsSync(nested) ? nested : join(dataDir, 'snapshots');
  if (!existsSync(dir)) return [];
  // Complete snapshots are named by their LSN padded to a fixed width: the last in order is the newest.
  const complete = readdirSync(dir).filter((name) => /^\d+$/.test(name)).sort();
  const newest = complete[complete.length - 1];
  if (!newest) return [];
  return readdirSync(join(dir, newest))
    .filter((name) => name.endsWith('.hnsw'))
    .map((name) => join(dir, newest, name));
}
