import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { estimateHnswBytes, type HnswShape } from './hnsw-memory';
import { METRICS } from './metric-names';
import type { CacheMetricsSink, CacheOutcome, FanOutMetricsSink, InferenceMetricsSink, StageTime } from './sinks';

/** What a shard exposes to be read at scrape time (no work on the request path). */
export interface ShardGaugeSource {
  collections(): { name: string; identities: number; faces: number; index: HnswShape }[];
  gates(): { gate: string; running: number; queued: number }[];
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

type Bound = { count: Counter.Internal; duration: Histogram.Internal<string> };

/**
 * The process's metrics: one prom-client registry with Node's default process metrics
 * (event-loop lag, heap, GC) and every faceshard_* series of METRICS. The gateway, each
 * shard of the process (embedded mode), the pipeline and the stores report through the
 * recorders and sinks this hands out; /metrics renders `registry`.
 */
export class FaceshardMetrics {
  readonly registry = new Registry();
  private readonly shardSources = new Map<string, ShardGaugeSource>();
  private poolSource: PoolGaugeSource | undefined;

  private readonly httpRequests = this.counter('httpRequests');
  private readonly httpDuration = this.histogram('httpDuration');
  private readonly shardRequestDuration = this.histogram('shardRequestDuration');
  private readonly partialAnswers = this.counter('partialAnswers');
  private readonly inferenceRejections = this.counter('inferenceRejections');
  private readonly inferenceDuration = this.histogram('inferenceDuration');
  private readonly cacheLookups = this.counter('cacheLookups');
  private readonly shardOpCount = this.counter('shardOps');
  private readonly shardOpDuration = this.histogram('shardOpDuration');
  private readonly admissionRejections = this.counter('admissionRejections');
  private readonly walFsyncDuration = this.histogram('walFsyncDuration');
  private readonly snapshotDuration = this.histogram('snapshotDuration');
  private moveSource: (() => Promise<MoveSourceProgress[]>) | undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    const shards = this.shardSources;
    const self = this;
    this.gauge('identities', function () {
      this.reset();
      for (const [shard, source] of shards) for (const c of source.collections()) this.set({ shard, collection: c.name }, c.identities);
    });
    this.gauge('faces', function () {
      this.reset();
      for (const [shard, source] of shards) for (const c of source.collections()) this.set({ shard, collection: c.name }, c.faces);
    });
    this.gauge('indexMemory', function () {
      this.reset();
      for (const [shard, source] of shards) for (const c of source.collections()) this.set({ shard, collection: c.name }, estimateHnswBytes(c.index));
    });
    this.gauge('admissionQueueDepth', function () {
      this.reset();
      for (const [shard, source] of shards) for (const g of source.gates()) this.set({ shard, gate: g.gate }, g.queued);
    });
    this.gauge('admissionRunning', function () {
      this.reset();
      for (const [shard, source] of shards) for (const g of source.gates()) this.set({ shard, gate: g.gate }, g.running);
    });
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
    const bound = new Map<string, Bound>();
    return {
      record: (method, route, status, seconds) => {
        const key = `${method} ${status} ${route}`;
        let b = bound.get(key);
        if (!b) {
          const labels = { method, route, status: String(status) };
          b = { count: this.httpRequests.labels(labels), duration: this.httpDuration.labels(labels) };
          bound.set(key, b);
        }
        b.count.inc();
        b.duration.observe(seconds);
      },
    };
  }

  fanOut(): FanOutMetricsSink {
    return {
      shardReply: (shard, op, outcome, seconds) => this.shardRequestDuration.labels({ shard, op, outcome }).observe(seconds),
      shardMissing: (cause) => this.partialAnswers.labels({ cause }).inc(),
    };
  }

  inference(pool: PoolGaugeSource): InferenceMetricsSink {
    this.poolSource = pool;
    return {
      photoAnalysed: (models, stages: readonly StageTime[]) => {
        for (const { stage, startMs, endMs } of stages) {
          // The recognizer runs embed; the detector's landmarks drive decode-to-align.
          const model = stage === 'embed' ? models.recognizer : models.detector;
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

  shardOps(shardId: string, ops: readonly string[]): ShardOpRecorder {
    // The common case (op answered ok) is bound up front: no label lookup per request.
    const ok = new Map(ops.map((op) => [op, { count: this.shardOpCount.labels({ shard: shardId, op, outcome: 'ok' }), duration: this.shardOpDuration.labels({ shard: shardId, op }) }]));
    return {
      record: (op, outcome, seconds) => {
        const b = ok.get(op);
        if (b && outcome === 'ok') {
          b.count.inc();
          b.duration.observe(seconds);
          return;
        }
        this.shardOpCount.labels({ shard: shardId, op, outcome }).inc();
        this.shardOpDuration.labels({ shard: shardId, op }).observe(seconds);
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
