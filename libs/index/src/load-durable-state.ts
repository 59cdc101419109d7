import { applyOp, type StoreCatalog } from './apply-op';
import { CollectionIndex, type HnswParams } from './collection-index';
import type { DataLayout } from './data-layout';
import { listSnapshots, loadSnapshot, pruneSnapshots } from './snapshot-files';
import type { StoreFs } from './store-fs';
import { replayLog, type ReplayOptions, type ReplayResult } from './wal-replay';

/** What the disk holds: the newest complete snapshot with the log replayed on top of it. */
export interface DurableState {
  catalog: StoreCatalog;
  snapshotLsn: number;
  replay: ReplayResult;
}

/**
 * Reads the store's state from disk: removes the folders of snapshots a crash interrupted, loads
 * the newest complete snapshot, prunes the older ones and replays the log after it (cutting a torn
 * tail; damage stops it with WAL_CORRUPT unless salvaging), applying the records up to `uptoLsn`.
 * Used to open a store and to reload one in place after a failed write. The caller holds the data
 * folder's lock and runs no snapshot.
 */
export async function loadDurableState(fs: StoreFs, layout: DataLayout, params: HnswParams, replayOptions: ReplayOptions, uptoLsn = Infinity): Promise<DurableState> {
  if (!replayOptions.readOnly) await pruneSnapshots(fs, layout, null); // temp folders of snapshots a crash interrupted
  const installed = await listSnapshots(fs, layout);
  const newest = installed[installed.length - 1];
  const catalog: StoreCatalog = { collections: new Map(), dropped: new Map() };
  let snapshotLsn = 0;
  if (newest !== undefined) {
    const snapshot = await loadSnapshot(fs, layout, newest);
    snapshotLsn = snapshot.lsn;
    for (const entry of snapshot.collections) {
      catalog.collections.set(entry.spec.name, CollectionIndex.restore(entry.spec, entry.hnsw, entry.meta, params));
    }
    for (const [name, generation] of Object.entries(snapshot.dropped)) catalog.dropped.set(name, generation);
    if (!replayOptions.readOnly) await pruneSnapshots(fs, layout, newest);
  }
  // uptoLsn: records after it stay out of memory (a reload that could not cut a failed log's unacknowledged tail).
  const replay = await replayLog(fs, layout, snapshotLsn, (record) => {
    if (record.lsn <= uptoLsn) applyOp(catalog, record.op, params);
  }, replayOptions);
  return { catalog, snapshotLsn, replay };
}
