/**
 * What the store reports for metrics, declared here so storage code needs no metrics library:
 * the shard hands in an implementation (prom-client backed), tests a recording one.
 */
export interface IndexMetricsSink {
  /** One fdatasync of the write-ahead log (a group commit), in seconds. */
  walFsync(seconds: number): void;
  /** One snapshot written and installed, in seconds. */
  snapshotTaken(seconds: number): void;
}

export const NO_INDEX_METRICS: IndexMetricsSink = { walFsync: () => undefined, snapshotTaken: () => undefined };
