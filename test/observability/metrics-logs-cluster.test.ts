import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sumSamples, type Sample } from '@faceshard/observability';
import { call, TestCluster } from '../support/cluster-harness';
import { lfwPeople } from '../faces/lfw-gallery';
import { photo, postPhoto } from '../faces/photo-client';
import { SHARED_ABSENT_REASON, SHARED_DIR } from '../vision/shared-fixtures';

const ADMIN = 'metrics-e2e-admin-key-' + 'q'.repeat(26);
/** Vector components with digits no log line would have by chance. */
const MARK = [0.314159265, 0.271828182, 0.141421356, 0.173205080, 0.223606797, 0.244948974, 0.264575131, 0.282842712];
const vectorOf = (i: number) => MARK.map((x, j) => (j === i % MARK.length ? x + 0.5 : x));

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await fetch(url, { headers });
  expect(response.status, url).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheusText(await response.text());
}

/**
 * Metrics and logs of a real cluster: a gateway and two shard processes on the real NATS server,
 * API keys on, every process at LOG_LEVEL=debug, each shard serving /metrics on a port of its own.
 * Traffic: embedding upserts and searches with a created key, a face enroll and two identifies.
 * Then: the series exist with exact counts, the request id reached the shards' log lines, and no
 * log line of any process holds a key, a vector or a photo.
 */
describe.skipIf(!SHARED_DIR)(SHARED_DIR ? 'metrics and logs of a cluster' : SHARED_ABSENT_REASON, { timeout: 240_000 }, () => {
  let cluster: TestCluster;
  let url = '';
  let writeKey = '';
  const shardMetrics = new Map<string, string>();
  const secrets: string[] = [ADMIN];

  beforeAll(async () => {
    cluster = new TestCluster({ LOG_LEVEL: 'debug', SHARD_METRICS_PORT: '0', SHARD_DOWN_AFTER_MS: '15000', FACESHARD_AUTH: 'on', FACESHARD_ADMIN_KEY: ADMIN });
    cluster.apiKey = ADMIN;
    await Promise.all([cluster.startShard('ma'), cluster.startShard('mb')]);
    url = await cluster.startGateway({ FACE_CACHE: 'memory', FACE_WORKERS: '1' });
    await cluster.waitForMembers(['ma', 'mb']);
    for (const [id, shard] of cluster.shards) shardMetrics.set(id, String(shard.ready.metricsUrl));
    const created = await call(url, 'POST', '/v1/keys', { name: 'writer', role: 'write', collections: ['*'] }, { 'x-api-key': ADMIN });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    writeKey = created.body.key;
    secrets.push(writeKey);
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('each shard serves /metrics on its own port (one route only), the gateway at /metrics without a key', async () => {
    expect([...shardMetrics.values()].every((u) => /^http:\/\/127\.0\.0\.1:\d+\/metrics$/.test(u))).toBe(true);
    expect(new Set(shardMetrics.values()).size).toBe(2);
    expect((await fetch(shardMetrics.get('ma')!.replace('/metrics', '/v1/collections'))).status).toBe(404);
    for (const samples of [await scrape(`${url}/metrics`), ...(await Promise.all([...shardMetrics.values()].map((u) => scrape(u))))]) {
      const names = new Set(samples.map((s) => s.name));
      for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'process_cpu_seconds_total']) expect(names).toContain(name);
    }
  });

  it('counts exactly the requests made: HTTP per route template and status, shard ops per shard, fan-out per shard; contents and storage', async () => {
    const headers = { 'x-api-key': writeKey };
    expect((await call(url, 'POST', '/v1/collections', { name: 'plain', dimension: 8 }, { 'x-api-key': ADMIN })).status).toBe(201);
    const gatewayBefore = await scrape(`${url}/metrics`);
    const shardsBefore = await Promise.all([...shardMetrics.values()].map((u) => scrape(u)));

    for (let i = 0; i < 6; i++) {
      const res = await call(url, 'PUT', `/v1/collections/plain/identities/person-${i}`, { faces: [{ vector: vectorOf(i) }] }, headers);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    // One upsert as base64, so the log check also covers the binary form of a vector.
    const b64 = Buffer.from(new Float32Array(vectorOf(6)).buffer).toString('base64');
    secrets.push(b64);
    expect((await call(url, 'PUT', '/v1/collections/plain/identities/person-6', { faces: [{ vectorB64: b64 }] }, headers)).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const res = await call(url, 'POST', '/v1/collections/plain/search', { vector: vectorOf(i), k: 3 }, { ...headers, 'x-request-id': `metrics-e2e-search-${i}` });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe(`metrics-e2e-search-${i}`);
      expect(res.body.hits[0].identityId).toBe(`person-${i}`);
    }
    expect((await call(url, 'GET', '/v1/collections/plain/identities/nobody', undefined, headers)).status).toBe(404);

    const gateway = await scrape(`${url}/metrics`);
    const shards = await Promise.all([...shardMetrics.values()].map((u) => scrape(u)));
    const delta = (after: Sample[], before: Sample[], name: string, labels: Record<string, string> = {}) => sumSamples(after, name, labels) - sumSamples(before, name, labels);
    const shardDelta = (name: string, labels: Record<string, string> = {}) => shards.reduce((total, s, i) => total + delta(s, shardsBefore[i]!, name, labels), 0);

    const route = (method: string, template: string, status: string) => ({ method, route: template, status });
    expect(delta(gateway, gatewayBefore, 'faceshard_http_requests_total', route('POST', '/v1/collections/:collection/search', '200'))).toBe(5);
    expect(delta(gateway, gatewayBefore, 'faceshard_http_requests_total', route('PUT', '/v1/collections/:collection/identities/:id', '200'))).toBe(7);
    expect(delta(gateway, gatewayBefore, 'faceshard_http_requests_total', route('GET', '/v1/collections/:collection/identities/:id', '404'))).toBe(1);
    expect(delta(gateway, gatewayBefore, 'faceshard_http_request_duration_seconds_count', route('POST', '/v1/collections/:collection/search', '200'))).toBe(5);
    // Route templates only: no raw path (an id) ever becomes a label value.
    expect(gateway.some((s) => Object.values(s.labels).some((v) => v.includes('person-')))).toBe(false);

    // Each search asks both shards once (sequential searches: nothing to coalesce).
    const searchOps = (s: (name: string, labels: Record<string, string>) => number, name: string, extra: Record<string, string>) =>
      s(name, { op: 'search', ...extra }) + s(name, { op: 'searchMany', ...extra });
    expect(searchOps(shardDelta, 'faceshard_shard_ops_total', { outcome: 'ok' })).toBe(10);
    expect(searchOps(shardDelta, 'faceshard_shard_op_duration_seconds_count', {})).toBe(10);
    expect(searchOps((n, l) => delta(gateway, gatewayBefore, n, l), 'faceshard_shard_request_duration_seconds_count', { outcome: 'ok' })).toBe(10);
    for (const shardId of shardMetrics.keys()) {
      expect(searchOps((n, l) => delta(gateway, gatewayBefore, n, l), 'faceshard_shard_request_duration_seconds_count', { shard: shardId })).toBe(5);
    }
    expect(shardDelta('faceshard_shard_ops_total', { op: 'upsert', outcome: 'ok' })).toBe(7);
    expect(delta(gateway, gatewayBefore, 'faceshard_partial_answers_total')).toBe(0);

    // Contents, read at scrape time: every identity once, on one shard or the other.
    const sumOver = (name: string, labels: Record<string, string>) => shards.reduce((t, s) => t + sumSamples(s, name, labels), 0);
    expect(sumOver('faceshard_collection_identities', { collection: 'plain' })).toBe(7);
    expect(sumOver('faceshard_collection_faces', { collection: 'plain' })).toBe(7);
    expect(sumOver('faceshard_index_memory_bytes', { collection: 'plain' })).toBeGreaterThan(2 * 1024 * 8 * 4);
    expect(shardDelta('faceshard_wal_fsync_duration_seconds_count')).toBeGreaterThan(0);
    for (const s of shards) {
      expect(s.some((x) => x.name === 'faceshard_admission_queue_depth' && x.labels.gate === 'searches')).toBe(true);
      expect(sumSamples(s, 'faceshard_admission_rejections_total')).toBe(0);
    }
  });

  it('face enroll and identify: inference stage times per model, cache misses then a hit; the request id reaches the shards', async () => {
    const [person] = lfwPeople(1);
    const headers = { 'x-api-key': writeKey };
    expect((await call(url, 'POST', '/v1/collections', { name: 'faces', model: 'dlib-resnet-v1' }, { 'x-api-key': ADMIN })).status).toBe(201);
    const before = await scrape(`${url}/metrics`);
    const enrolled = await postPhoto(url, `/v1/collections/faces/identities/${person!.name}/faces`, { image: photo(person!.enrolled[0]) }, headers);
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    for (let i = 0; i < 2; i++) {
      const identified = await postPhoto(url, '/v1/collections/faces/identify', { image: photo(person!.heldOut) }, { ...headers, 'x-request-id': `logs-e2e-identify-${i}` });
      expect(identified.status, JSON.stringify(identified.body)).toBe(200);
      expect(identified.body.faces[0].matches[0].identityId).toBe(person!.name);
    }
    for (const file of [person!.enrolled[0], person!.heldOut]) secrets.push(photo(file).subarray(100, 160).toString('base64'));
    const after = await scrape(`${url}/metrics`);
    const delta = (name: string, labels: Record<string, string> = {}) => sumSamples(after, name, labels) - sumSamples(before, name, labels);

    // The second identify of the same photo is answered from the cache: two photos analysed, not three.
    expect(delta('faceshard_inference_stage_duration_seconds_count', { stage: 'embed' })).toBe(2);
    for (const stage of ['decode', 'detect', 'landmarks', 'align']) expect(delta('faceshard_inference_stage_duration_seconds_count', { stage })).toBe(2);
    const embed = after.find((s) => s.name === 'faceshard_inference_stage_duration_seconds_count' && s.labels.stage === 'embed')!;
    expect(embed.labels.model).toBe('dlib-resnet-v1');
    expect(delta('faceshard_cache_lookups_total', { outcome: 'hit' })).toBeGreaterThanOrEqual(1);
    expect(delta('faceshard_cache_lookups_total', { outcome: 'miss' })).toBeGreaterThanOrEqual(2);
    expect(sumSamples(after, 'faceshard_inference_queue_depth')).toBe(0);
    expect(delta('faceshard_http_requests_total', { method: 'POST', route: '/v1/collections/:collection/identify', status: '200' })).toBe(2);

    // The request id: in the gateway's access line, and in a shard's line for the same request.
    const lines = (output: string[]) =>
      output
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const gatewayLines = lines(cluster.gateway!.output);
    expect(gatewayLines.some((l) => l.requestId === 'logs-e2e-identify-0' && l.route === '/v1/collections/:collection/identify' && l.status === 200)).toBe(true);
    const shardLines = [...cluster.shards.values()].flatMap((s) => lines(s.output));
    const shardSide = shardLines.filter((l) => l.requestId === 'logs-e2e-identify-0');
    expect(shardSide.length).toBeGreaterThan(0);
    expect(shardSide.every((l) => typeof l.shardId === 'string' && l.msg === 'shard op')).toBe(true);
    expect(shardLines.filter((l) => l.requestId === 'metrics-e2e-search-3').length).toBe(2);
  });

  it('no log line of any process holds an API key, a vector or a photo', () => {
    const processes = [cluster.gateway!, ...cluster.shards.values()];
    const text = processes.map((p) => p.output.join('')).join('\n');
    expect(text.length).toBeGreaterThan(10_000); // debug logs of the whole run, not an empty capture
    for (const secret of secrets) expect(text.includes(secret), `a log line holds ${secret.slice(0, 12)}...`).toBe(false);
    for (const x of MARK) expect(text.includes(String(x).slice(0, 8)), `a log line holds vector digits ${x}`).toBe(false);
    expect(text).not.toMatch(/\/9j\/4AAQ/); // the start of any base64 JPEG
  });
});
