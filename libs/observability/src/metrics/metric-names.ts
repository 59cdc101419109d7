/**
 * Every faceshard_* series in one place: name, help, labels, buckets. Labels are bounded by
 * construction: route templates (never raw URLs), op names, error codes, shard ids (ring
 * members), collection names (a cluster holds a handful), model and stage names. Never an
 * identity, face, key or request id.
 */
export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** fsync and snapshot times: a fast SSD fsync is ~0.1 ms, a snapshot of a million faces takes tens of seconds. */
const DISK_BUCKETS_S = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
const SNAPSHOT_BUCKETS_S = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const INFERENCE_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export const METRICS = {
  // --- gateway: HTTP ---
  httpRequests: { name: 'faceshard_http_requests_total', help: 'HTTP requests answered by the gateway', labels: ['method', 'route', 'status'] },
  httpDuration: {
    name: 'faceshard_http_request_duration_seconds',
    help: 'Time from request received to response sent, per route template and status',
    labels: ['method', 'route', 'status'],
    buckets: LATENCY_BUCKETS_S,
  },
  // --- gateway: fan-out to shards ---
  shardRequestDuration: {
    name: 'faceshard_shard_request_duration_seconds',
    help: "Gateway-side time of one request to one shard (the fan-out's per-shard latency), by op and outcome (ok or the error code)",
    labels: ['shard', 'op', 'outcome'],
    buckets: LATENCY_BUCKETS_S,
  },
  partialAnswers: {
    name: 'faceshard_partial_answers_total',
    help: 'Searches answered without some shard, counted once per missing shard by its cause (SHARD_TIMEOUT, SHARD_UNAVAILABLE, BUSY...)',
    labels: ['cause'],
  },
  // --- gateway: inference pool ---
  inferenceQueueDepth: { name: 'faceshard_inference_queue_depth', help: 'Photos waiting for a face pipeline worker', labels: [] },
  inferenceRunning: { name: 'faceshard_inference_running', help: 'Photos being analysed by face pipeline workers', labels: [] },
  inferenceRejections: { name: 'faceshard_inference_rejections_total', help: 'Photos refused because the face pipeline queue was full (429 BUSY)', labels: [] },
  inferenceDuration: {
    name: 'faceshard_inference_stage_duration_seconds',
    help: 'Face pipeline time per photo and stage (decode, detect, align: the 68 landmarks, the aligned crops and their quality, embed), by model (the detector for decode/detect/align, the recognizer for embed)',
    labels: ['model', 'stage'],
    buckets: INFERENCE_BUCKETS_S,
  },
  // --- gateway: face cache ---
  cacheLookups: { name: 'faceshard_cache_lookups_total', help: 'Face embedding cache lookups by outcome (hit, miss, error)', labels: ['outcome'] },
  // --- shard: requests and admission ---
  shardOps: { name: 'faceshard_shard_ops_total', help: 'Requests a shard answered, by op and outcome (ok or the error code)', labels: ['shard', 'op', 'outcome'] },
  shardOpDuration: {
    name: 'faceshard_shard_op_duration_seconds',
    help: 'Shard-side time of one request, admission wait included, by op',
    labels: ['shard', 'op'],
    buckets: LATENCY_BUCKETS_S,
  },
  admissionQueueDepth: { name: 'faceshard_admission_queue_depth', help: 'Shard requests waiting for an admission slot, per gate (searches, writes)', labels: ['shard', 'gate'] },
  admissionRunning: { name: 'faceshard_admission_running', help: 'Shard requests holding an admission slot, per gate', labels: ['shard', 'gate'] },
  storeWritesRefused: { name: 'faceshard_store_writes_refused', help: 'Shard store refuses writes after a failed log write (full disk, I/O error): 1 while reloading from disk, paused or failed, else 0', labels: ['shard'] },
  storeReloads: { name: 'faceshard_store_reloads', help: 'Shard store reloads from disk after a failed log write, since the process started', labels: ['shard'] },
  admissionRejections: {
    name: 'faceshard_admission_rejections_total',
    help: 'Shard requests refused by admission control, per gate and reason (busy: queue full; deadline: caller gave up first)',
    labels: ['shard', 'gate', 'reason'],
  },
  // --- shard: contents and storage ---
  identities: { name: 'faceshard_collection_identities', help: 'Identities held, per collection and shard', labels: ['shard', 'collection'] },
  faces: { name: 'faceshard_collection_faces', help: 'Faces (vectors) held, per collection and shard', labels: ['shard', 'collection'] },
  indexMemory: {
    name: 'faceshard_index_memory_bytes',
    help: "Estimated memory of the HNSW index per collection and shard (hnswlib's layout: capacity x (vector + level-0 links) + upper-level links)",
    labels: ['shard', 'collection'],
  },
  walFsyncDuration: { name: 'faceshard_wal_fsync_duration_seconds', help: 'Write-ahead log fdatasync time (one per group commit)', labels: ['shard'], buckets: DISK_BUCKETS_S },
  snapshotDuration: { name: 'faceshard_snapshot_duration_seconds', help: 'Time to write and install one snapshot', labels: ['shard'], buckets: SNAPSHOT_BUCKETS_S },
  // --- shard: rebalancing ---
  // Read from the cluster metadata when the gateway is scraped (every gateway reports the same move).
  rebalanceMoved: {
    name: 'faceshard_rebalance_moved_identities',
    help: 'Identities the running move has streamed to their new owners so far, per source shard; absent when no move runs',
    labels: ['source'],
  },
  rebalanceProgress: {
    name: 'faceshard_rebalance_progress_ratio',
    help: 'Progress of the running move per source shard (moved / to move; 1 when done); absent when no move runs or before the first chunk',
    labels: ['source'],
  },
  rebalanceRate: {
    name: 'faceshard_rebalance_rate_identities_per_second',
    help: 'Identities per second of the running move per source shard, since that source started',
    labels: ['source'],
  },
} as const;

export type MetricKey = keyof typeof METRICS;
