import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { estimateHnswBytes, type HnswShape } from './hnsw-memory';
import { HotCounterFamily, HotHistogramFamily, type HotCounter, type HotHistogram } from './hot-metrics';
import { METRICS } from './metric-names';
import type { CacheMetricsSink, CacheOutcome, FanOutMetricsSink, InferenceMetricsSink, StageTime } from './sinks';

/** What a shard exposes to be read at scrape time (no work on the request path). */
export interface ShardGaugeSource {
  collections(): { name: string; identities: number; faces: number; index: HnswShape }[];
  gates(): { gate: string; running: number; queued: number }[];
  /** Whether the store takes writes (ShardStore.storageStatus); absent: not reported. */
  storage?(): { state: string; reloads: number };
}

/** One source shard of the running move, as the cluster metadata says at scrape time. */
export interface MoveSourceProgress {
  source: string;
  moved: number;
  /** null before the source's first chunk said how much it has to move. */
  ratio: number | null;
  perSecond: number;
}

/** The inference pool, read at scrape time. */
export interface PoolGaugeSource {
  running: number;
  queued: number;
}

/** Records one HTTP request; children are bound once per (method, route, status). */
export interface HttpMetricsRecorder {
  record(method: string, route: string, status: number, seconds: number): void;
}

/** Records one shard request on the shard side. */
export interface ShardOpRecorder {
  record(op: string, outcome: string, seconds: number): void;
  rejected(gate: string, reason: 'busy' | 'deadline'): void;
}

type Bound = { count: HotCounter; duration: HotHistogram };

/** a -> b -> c -> value, made on first use: a lookup per level and no key string per call. */
function cached3<V>(root: Map<string, Map<string, Map<string, V>>>, a: string, b: string, c: string, make: () => V): V {
  let level1 = root.get(a);
  if (!level1) root.set(a, (level1 = new Map()));
  let level2 = level1.get(b);
  if (!level2) level1.set(b, (level2 = new Map()));
  let value = level2.get(c);
  if (value === undefined) level2.set(c, (value = make()));
  return value;
}

/**
 * The process's metrics: one prom-client registry with Node's default process metrics
 * (event-loop lag, heap, GC) and every faceshard_* series of METRICS. The gateway, each
 * shard of the process (embedded mode), the pipeline and the stores report through the
 * recorders and sinks this hands out; /metrics renders `registry`.
 */
/** The landmark net's name as a metric label (face-api's FaceLandmark68Net rebuilt as ONNX). */
const LANDMARK_MODEL = 'face-landmark-68';

export class FaceshardMetrics {
  readonly registry = new Registry();
  private readonly shardSources = new Map<string, ShardGaugeSource>();
  private poolSource: PoolGaugeSource | undefined;

  // The per-request series: hot families (see hot-metrics.ts).
  private readonly httpRequests = this.hotCounter('httpRequests');
  private readonly httpDuration = this.hotHistogram('httpDuration');
  private readonly shardRequestDuration = this.hotHistogram('shardRequestDuration');
  private readonly partialAnswers = this.counter('partialAnswers');
  private readonly inferenceRejections = this.counter('inferenceRejections');
  private readonly inferenceDuration = this.histogram('inferenceDuration');
  private readonly cacheLookups = this.counter('cacheLookups');
  private readonly shardOpCount = this.hotCounter('shardOps');
  private readonly shardOpDuration = this.hotHistogram('shardOpDuration');
  private readonly admissionRejections = this.counter('admissionRejections');
  private readonly walFsyncDuration = this.histogram('walFsyncDuration');
  private readonly snapshotDuration = this.histogram('snapshotDuration');
  private moveSource: (() => Promise<MoveSourceProgress[]>) | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const shards = this.shardSources;
    const self = this;
    type CollectionStats = ReturnType<ShardGaugeSource['collections']>[number];
    type GateStats = ReturnType<ShardGaugeSource['gates']>[number];
    // Scrape-time gauges over every shard's collections / admission gates, one value each.
    const perCollection = (key: keyof typeof METRICS, value: (c: CollectionStats) => number) =>
      this.gauge(key, function () {
        this.reset();
        for (const [shard, source] of shards) for (const c of source.collections()) this.set({ shard, collection: c.name }, value(c));
      });
    const perGate = (key: keyof typeof METRICS, value: (g: GateStats) => number) =>
      this.gauge(key, function () {
        this.reset();
        for (const [shard, source] of shards) for (const g of source.gates()) this.set({ shard, gate: g.gate }, value(g));
      });
    perCollection('identities', (c) => c.identities);
    perCollection('faces', (c) => c.faces);
    perCollection('indexMemory', (c) => estimateHnswBytes(c.index));
    perGate('admissionQueueDepth', (g) => g.queued);
    perGate('admissionRunning', (g) => g.running);
    const perShardStorage = (key: keyof typeof METRICS, value: (s: { state: string; reloads: number }) => number) =>
      this.gauge(key, function () {
        this.reset();
        for (const [shard, source] of shards) {
          const storage = source.storage?.();
          if (storage) this.set({ shard }, value(storage));
        }
      });
    perShardStorage('storeWritesRefused', (s) => (s.state === 'ok' ? 0 : 1));
    perShardStorage('storeReloads', (s) => s.reloads);
    // One metadata read per scrape, shared by the three move gauges (collected in this order).
    let moves: Promise<MoveSourceProgress[]> = Promise.resolve([]);
    this.gauge('rebalanceMoved', async function () {
      this.reset();
      moves = self.moveSource ? self.moveSource().catch(() => []) : Promise.resolve([]);
      for (const m of await moves) this.set({ source: m.source }, m.moved);
    });
    this.gauge('rebalanceProgress', async function () {
      this.reset();
      for (const m of await moves) if (m.ratio !== null) this.set({ source: m.source }, m.ratio);
    });
    this.gauge('rebalanceRate', async function () {
      this.reset();
      for (const m of await moves) this.set({ source: m.source }, m.perSecond);
    });
    this.gauge('inferenceQueueDepth', function () {
      this.set(self.poolSource?.queued ?? 0);
    });
    this.gauge('inferenceRunning', function () {
      this.set(self.poolSource?.running ?? 0);
    });
  }

  /** Prometheus text format of everything registered. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // --- gateway ---

  http(): HttpMetricsRecorder {
    const bound = new Map<string, Map<string, Map<string, Bound>>>();
    return {
      record: (method, route, status, seconds) => {
        const b = cached3(bound, route, method, statusText(status), () => {
          const code = statusText(status);
          return { count: this.httpRequests.child(method, route, code), duration: this.httpDuration.child(method, route, code) };
        });
        b.count.inc();
        b.duration.observe(seconds);
      },
    };
  }

  fanOut(): FanOutMetricsSink {
    const bound = new Map<string, Map<string, Map<string, HotHistogram>>>();
    return {
      shardReply: (shard, op, outcome, seconds) => cached3(bound, shard, op, outcome, () => this.shardRequestDuration.child(shard, op, outcome)).observe(seconds),
      shardMissing: (cause) => this.partialAnswers.labels({ cause }).inc(),
    };
  }

  inference(pool: PoolGaugeSource): InferenceMetricsSink {
    this.poolSource = pool;
    return {
      photoAnalysed: (models, stages: readonly StageTime[]) => {
        for (const { stage, startMs, endMs } of stages) {
          // The recognizer runs embed, the 68-point net landmarks; the rest belongs to the detector's path.
          const model = stage === 'embed' ? models.recognizer : stage === 'landmarks' ? LANDMARK_MODEL : models.detector;
          this.inferenceDuration.labels({ model, stage }).observe((endMs - startMs) / 1000);
        }
      },
      photoRejected: () => this.inferenceRejections.inc(),
    };
  }

  cache(): CacheMetricsSink {
    const byOutcome = {
      hit: this.cacheLookups.labels({ outcome: 'hit' }),
      miss: this.cacheLookups.labels({ outcome: 'miss' }),
      error: this.cacheLookups.labels({ outcome: 'error' }),
    };
    return { lookup: (outcome: CacheOutcome) => byOutcome[outcome].inc() };
  }

  // --- shard ---

  /** Scrape-time gauges of one shard; the returned function stops reporting it (shard closed). */
  watchShard(shardId: string, source: ShardGaugeSource): () => void {
    this.shardSources.set(shardId, source);
    return () => {
      if (this.shardSources.get(shardId) === source) this.shardSources.delete(shardId);
    };
  }

  shardOps(shardId: string): ShardOpRecorder {
    const counts = new Map<string, Map<string, HotCounter>>();
    const durations = new Map<string, HotHistogram>();
    return {
      record: (op, outcome, seconds) => {
        let byOutcome = counts.get(op);
        if (!byOutcome) counts.set(op, (byOutcome = new Map()));
        let count = byOutcome.get(outcome);
        if (!count) byOutcome.set(outcome, (count = this.shardOpCount.child(shardId, op, outcome)));
        count.inc();
        let duration = durations.get(op);
        if (!duration) durations.set(op, (duration = this.shardOpDuration.child(shardId, op)));
        duration.observe(seconds);
      },
      rejected: (gate, reason) => this.admissionRejections.labels({ shard: shardId, gate, reason }).inc(),
    };
  }

  /** Structurally libs/index's IndexMetricsSink (this library does not depend on the store). */
  index(shardId: string): { walFsync(seconds: number): void; snapshotTaken(seconds: number): void } {
    const fsync = this.walFsyncDuration.labels({ shard: shardId });
    const snapshot = this.snapshotDuration.labels({ shard: shardId });
    return { walFsync: (s) => fsync.observe(s), snapshotTaken: (s) => snapshot.observe(s) };
  }

  /** Where the move gauges read the running move from at scrape time (the gateway: cluster metadata). */
  watchRebalance(read: () => Promise<MoveSourceProgress[]>): void {
    this.moveSource = read;
  }

  // --- construction from the catalogue ---

  private hotCounter(key: keyof typeof METRICS): HotCounterFamily {
    const m = METRICS[key];
    const family = new HotCounterFamily(m.name, m.help, m.labels);
    this.registry.registerMetric(family as never);
    return family;
  }

  private hotHistogram(key: keyof typeof METRICS): HotHistogramFamily {
    const m = METRICS[key] as (typeof METRICS)[keyof typeof METRICS] & { buckets?: readonly number[] };
    const family = new HotHistogramFamily(m.name, m.help, m.labels, m.buckets ?? []);
    this.registry.registerMetric(family as never);
    return family;
  }

  private counter(key: keyof typeof METRICS): Counter<string> {
    const m = METRICS[key];
    return new Counter({ name: m.name, help: m.help, labelNames: [...m.labels], registers: [this.registry] });
  }

  private histogram(key: keyof typeof METRICS): Histogram<string> {
    const m = METRICS[key] as (typeof METRICS)[keyof typeof METRICS] & { buckets?: readonly number[] };
    return new Histogram({ name: m.name, help: m.help, labelNames: [...m.labels], buckets: [...(m.buckets ?? [])], registers: [this.registry] });
  }

  private gauge(key: keyof typeof METRICS, collect?: (this: Gauge<string>) => void | Promise<void>): Gauge<string> {
    const m = METRICS[key];
    return new Gauge({ name: m.name, help: m.help, labelNames: [...m.labels], registers: [this.registry], ...(collect ? { collect } : {}) });
  }
}

/** HTTP status codes as label values, made once each. */
const STATUS_TEXT = new Map<number, string>();
function statusText(status: number): string {
  let text = STATUS_TEXT.get(status);
  if (text === undefined) STATUS_TEXT.set(status, (text = String(status)));
  return text;
}
