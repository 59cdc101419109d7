import { describe, expect, it } from 'vitest';
import { FaceshardMetrics } from './faceshard-metrics';
import { METRICS } from './metric-names';
import { parsePrometheusText, sumSamples } from './prometheus-text';

const scrape = async (m: FaceshardMetrics) => parsePrometheusText(await m.render());

describe('FaceshardMetrics', () => {
  it('names every series faceshard_* and each name once', () => {
    const names = Object.values(METRICS).map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^faceshard_[a-z_]+$/);
  });

  it('counts HTTP requests and observes their latency per method, route template and status', async () => {
    const m = new FaceshardMetrics({ defaultMetrics: false });
    const http = m.http();
    http.record('POST', '/v1/collections/:name/search', 200, 0.004);
    http.record('POST', '/v1/collections/:name/search', 200, 0.02);
    http.record('POST', '/v1/collections/:name/search', 404, 0.001);
    const s = await scrape(m);
    const route = { method: 'POST', route: '/v1/collections/:name/search' };
    expect(sumSamples(s, 'faceshard_http_requests_total', { ...route, status: '200' })).toBe(2);
    expect(sumSamples(s, 'faceshard_http_requests_total', { ...route, status: '404' })).toBe(1);
    expect(sumSamples(s, 'faceshard_http_request_duration_seconds_count', { ...route, status: '200' })).toBe(2);
    expect(sumSamples(s, 'faceshard_http_request_duration_seconds_sum', { ...route, status: '200' })).toBeCloseTo(0.024, 6);
    expect(sumSamples(s, 'faceshard_http_request_duration_seconds_bucket', { ...route, status: '200', le: '0.005' })).toBe(1);
  });

  it('reads shard contents, index memory and admission gates at scrape time, and forgets a closed shard', async () => {
    const m = new FaceshardMetrics({ defaultMetrics: false });
    let faces = 3;
    const stop = m.watchShard('s1', {
      collections: () => [{ name: 'people', identities: 2, faces, index: { capacity: 100, elements: faces, dimension: 4, M: 16 } }],
      gates: () => [{ gate: 'searches', running: 1, queued: 5 }],
    });
    let s = await scrape(m);
    expect(sumSamples(s, 'faceshard_collection_faces', { shard: 's1', collection: 'people' })).toBe(3);
    expect(sumSamples(s, 'faceshard_collection_identities', { shard: 's1', collection: 'people' })).toBe(2);
    expect(sumSamples(s, 'faceshard_index_memory_bytes', { shard: 's1' })).toBeGreaterThan(100 * 16);
    expect(sumSamples(s, 'faceshard_admission_queue_depth', { shard: 's1', gate: 'searches' })).toBe(5);
    faces = 7;
    s = await scrape(m);
    expect(sumSamples(s, 'faceshard_collection_faces', { shard: 's1' })).toBe(7);
    stop();
    s = await scrape(m);
    expect(s.filter((x) => x.name === 'faceshard_collection_faces')).toEqual([]);
  });

  it('reads whether each shard store takes writes, and its reloads after failed log writes, at scrape time', async () => {
    const m = new FaceshardMetrics({ defaultMetrics: false });
    let storage = { state: 'ok', reloads: 0 };
    m.watchShard('s1', { collections: () => [], gates: () => [], storage: () => storage });
    m.watchShard('s2', { collections: () => [], gates: () => [] }); // reports nothing: no series
    let s = await scrape(m);
    expect(sumSamples(s, 'faceshard_store_writes_refused', { shard: 's1' })).toBe(0);
    expect(s.filter((x) => x.name === 'faceshard_store_writes_refused' && x.labels.shard === 's2')).toEqual([]);
    storage = { state: 'paused', reloads: 2 };
    s = await scrape(m);
    expect(sumSamples(s, 'faceshard_store_writes_refused', { shard: 's1' })).toBe(1);
    expect(sumSamples(s, 'faceshard_store_reloads', { shard: 's1' })).toBe(2);
  });

  it('records shard ops (ok and errors), rejections, fan-out, partial answers, cache, inference, WAL and rebalance', async () => {
    const m = new FaceshardMetrics({ defaultMetrics: false });
    const ops = m.shardOps('s1');
    ops.record('search', 'ok', 0.001);
    ops.record('search', 'BUSY', 0.0001);
    ops.rejected('searches', 'busy');
    m.fanOut().shardReply('s1', 'search', 'ok', 0.002);
    m.fanOut().shardMissing('SHARD_TIMEOUT');
    m.cache().lookup('hit');
    m.cache().lookup('miss');
    m.cache().lookup('miss');
    const pool = { running: 1, queued: 4 };
    const inference = m.inference(pool);
    inference.photoAnalysed({ detector: 'yunet', recognizer: 'arcface' }, [
      { stage: 'decode', startMs: 0, endMs: 5 },
      { stage: 'detect', startMs: 5, endMs: 15 },
      { stage: 'embed', startMs: 16, endMs: 36 },
    ]);
    inference.photoRejected();
    m.index('s1').walFsync(0.0004);
    let move = [
      { source: 's2', moved: 500, ratio: 0.5, perSecond: 1000 },
      { source: 's3', moved: 0, ratio: null, perSecond: 0 },
    ];
    m.watchRebalance(async () => move);
    const s = await scrape(m);
    expect(sumSamples(s, 'faceshard_shard_ops_total', { shard: 's1', op: 'search', outcome: 'ok' })).toBe(1);
    expect(sumSamples(s, 'faceshard_shard_ops_total', { shard: 's1', op: 'search', outcome: 'BUSY' })).toBe(1);
    expect(sumSamples(s, 'faceshard_shard_op_duration_seconds_count', { shard: 's1', op: 'search' })).toBe(2);
    expect(sumSamples(s, 'faceshard_admission_rejections_total', { gate: 'searches', reason: 'busy' })).toBe(1);
    expect(sumSamples(s, 'faceshard_shard_request_duration_seconds_count', { shard: 's1', op: 'search', outcome: 'ok' })).toBe(1);
    expect(sumSamples(s, 'faceshard_partial_answers_total', { cause: 'SHARD_TIMEOUT' })).toBe(1);
    expect(sumSamples(s, 'faceshard_cache_lookups_total', { outcome: 'miss' })).toBe(2);
    expect(sumSamples(s, 'faceshard_inference_queue_depth')).toBe(4);
    expect(sumSamples(s, 'faceshard_inference_rejections_total')).toBe(1);
    expect(sumSamples(s, 'faceshard_inference_stage_duration_seconds_sum', { model: 'arcface', stage: 'embed' })).toBeCloseTo(0.02);
    expect(sumSamples(s, 'faceshard_inference_stage_duration_seconds_count', { model: 'yunet', stage: 'detect' })).toBe(1);
    expect(sumSamples(s, 'faceshard_wal_fsync_duration_seconds_count', { shard: 's1' })).toBe(1);
    expect(sumSamples(s, 'faceshard_rebalance_moved_identities', { source: 's2' })).toBe(500);
    expect(sumSamples(s, 'faceshard_rebalance_progress_ratio', { source: 's2' })).toBe(0.5);
    expect(sumSamples(s, 'faceshard_rebalance_rate_identities_per_second', { source: 's2' })).toBe(1000);
    // A source that has not reported its total yet has no ratio (not a misleading 0).
    expect(s.filter((x) => x.name === 'faceshard_rebalance_progress_ratio' && x.labels.source === 's3')).toEqual([]);
    move = [];
    expect((await scrape(m)).filter((x) => x.name.startsWith('faceshard_rebalance_'))).toEqual([]);
  });

  it("includes Node's default process metrics (event-loop lag, heap, GC)", async () => {
    const metrics = new FaceshardMetrics();
    const names = new Set((await scrape(metrics)).map((x) => x.name));
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'process_cpu_seconds_total']) expect(names).toContain(name);
    // GC samples appear after the first collection; the series is declared from the start.
    expect(await metrics.render()).toContain('# TYPE nodejs_gc_duration_seconds histogram');
  });

  it('keeps two instances apart (embedded tests start several gateways in one process)', async () => {
    const a = new FaceshardMetrics();
    const b = new FaceshardMetrics();
    a.http().record('GET', '/x', 200, 0.001);
    expect(sumSamples(await scrape(b), 'faceshard_http_requests_total')).toBe(0);
  });
});
