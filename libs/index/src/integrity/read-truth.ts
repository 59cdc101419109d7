import type { HierarchicalNSW } from 'hnswlib-node';
import { applyOp, type StoreCatalog } from '../apply-op';
import { CollectionIndex, type HnswParams } from '../collection-index';
import type { DataLayout } from '../data-layout';
import type { StoreFs } from '../store-fs';
import { listSnapshots, loadSnapshot } from '../snapshot-files';
import { replayLog } from '../wal-replay';
import { VectorTable } from './vector-table';

const newTable = (): VectorTable => new VectorTable();

/**
 * The source of truth, read from disk: the newest installed snapshot, then every log record
 * after it up to `uptoLsn`, applied by the store's own applyOp to collections over vector tables
 * (no HNSW graph is built). The caller keeps snapshots and log appends from running meanwhile.
 */
export async function readTruth(fs: StoreFs, layout: DataLayout, uptoLsn: number, params: HnswParams): Promise<StoreCatalog> {
  const catalog: StoreCatalog = { collections: new Map(), dropped: new Map() };
  const snapshots = await listSnapshots(fs, layout);
  const newest = snapshots[snapshots.length - 1];
  let snapshotLsn = 0;
  if (newest !== undefined) {
    const snapshot = await loadSnapshot(fs, layout, newest);
    snapshotLsn = snapshot.lsn;
    for (const entry of snapshot.collections) {
      const table = entry.hnsw ? tableOf(entry.hnsw, entry.meta.nextLabel) : null;
      catalog.collections.set(entry.spec.name, CollectionIndex.restore(entry.spec, table, entry.meta, params, newTable));
    }
    for (const [name, generation] of Object.entries(snapshot.dropped)) catalog.dropped.set(name, generation);
  }
  // Damage is an error here, never salvaged: the check reads, it does not cut the log.
  await replayLog(
    fs,
    layout,
    snapshotLsn,
    (record) => {
      if (record.lsn <= uptoLsn) applyOp(catalog, record.op, params, newTable);
    },
    { salvage: false, log: () => undefined },
  );
  return catalog;
}

/**
 * Copies a loaded snapshot index into a vector table: labels 0..count-1, deleted ones kept
 * deleted with their vectors, which a face's return compares to revive its node (freed-faces.ts).
 * hnswlib hides a deleted node's vector: it is unmarked for the read (this index is the check's
 * own copy, loaded for it).
 */
function tableOf(hnsw: HierarchicalNSW, count: number): VectorTable {
  const table = new VectorTable();
  for (let label = 0; label < count; label++) {
    try {
      table.addPoint(hnsw.getPoint(label), label);
    } catch {
      table.addPoint(deletedPoint(hnsw, label), label);
      table.markDelete(label);
    }
  }
  return table;
}

function deletedPoint(hnsw: HierarchicalNSW, label: number): number[] {
  try {
    hnsw.unmarkDelete(label);
  } catch {
    return []; // not in the index at all: nothing to compare with
  }
  try {
    return hnsw.getPoint(label);
  } finally {
    hnsw.markDelete(label);
  }
}
