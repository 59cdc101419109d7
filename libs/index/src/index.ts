export { ShardStore } from './shard-store';
export type { ShardStoreOptions, CollectionStats, RecoveryInfo, SnapshotPhase } from './shard-store';
export type { HnswParams, SearchOptions } from './collection-index';
export { DEFAULT_HNSW } from './collection-index';
export type { WriteOptions } from './shard-store';
export { incomingWins, VersionClock, type VersionStamp } from './version-order';
export type { IntegrityCheckOptions } from './integrity/run-integrity-check';
export type { CollectionIntegrityReport, IntegrityIssue, IntegrityIssueKind, RepairAction, ShardIntegrityReport } from './integrity/integrity-report';
export { NO_INDEX_METRICS, type IndexMetricsSink } from './index-metrics';
