import type { DataLayout } from '../data-layout';
import { listSnapshots, loadSnapshot } from '../snapshot-files';
import { replayLog } from '../wal-replay';
import { ExpectedState } from './expected-state';

/**
 * Reads the source of truth from disk: the newest installed snapshot (its metadata, and each
 * label's vector from its index file) and the log records after it, up to `uptoLsn`.
 * The caller keeps snapshots and log appends from running meanwhile.
 */
export async function readExpectedState(layout: DataLayout, uptoLsn: number): Promise<ExpectedState> {
  const state = new ExpectedState();
  const snapshots = await listSnapshots(layout);
  const newest = snapshots[snapshots.length - 1];
  let snapshotLsn = 0;
  if (newest !== undefined) {
    const snapshot = await loadSnapshot(layout, newest);
    snapshotLsn = snapshot.lsn;
    for (const entry of snapshot.collections) {
      const hnsw = entry.hnsw;
      state.addSnapshotCollection(entry.spec, entry.meta, (label) => {
        if (!hnsw) throw new Error(`snapshot ${snapshotLsn}: collection ${entry.spec.name} has labels but no index file`);
        return Float32Array.from(hnsw.getPoint(label));
      });
    }
  }
  replayLog(layout, snapshotLsn, (record) => {
    if (record.lsn <= uptoLsn) state.apply(record.op);
  });
  return state;
}
