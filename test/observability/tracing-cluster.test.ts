import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, sleep, TestCluster } from '../support/cluster-harness';
import { OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { lfwPeople } from '../faces/lfw-gallery';
import { photo, postPhoto } from '../faces/photo-client';
import { SHARED_ABSENT_REASON, SHARED_DIR } from '../vision/shared-fixtures';

const SERVER = 2;
const CLIENT = 3;

/**
 * One identify request traced across real processes: a gateway and two shard processes on the
 * real NATS server, each exporting over OTLP/HTTP to a receiver in this test. The trace must be
 * one tree: HTTP -> inference stages, HTTP -> fan-out -> one NATS message per shard -> that
 * shard's handling span (another process, joined by the traceparent NATS header) -> hnswlib.
 */
describe.skipIf(!SHARED_DIR)(SHARED_DIR ? 'tracing: one identify request across gateway and shard processes' : SHARED_ABSENT_REASON, { timeout: 180_000 }, () => {
  const receiver = new OtlpReceiver();
  let cluster: TestCluster;
  let url = '';

  beforeAll(async () => {
    const endpoint = await receiver.start();
    cluster = new TestCluster({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      SHARD_DOWN_AFTER_MS: '15000',
    });
    await Promise.all([cluster.startShard('ta'), cluster.startShard('tb')]);
    url = await cluster.startGateway({ FACE_CACHE: 'off', FACE_WORKERS: '1' });
    expect(cluster.gateway!.ready.tracing).toBe('otlp');
    for (const shard of cluster.shards.values()) expect(shard.ready.tracing).toBe('otlp');
    await cluster.waitForMembers(['ta', 'tb']);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await receiver.stop();
  });

  it('gateway and shard spans share the trace id; each shard span is a child of the gateway fan-out message to it', async () => {
    const [person] = lfwPeople(1);
    expect((await call(url, 'POST', '/v1/collections', { name: 'traced', model: 'dlib-resnet-v1' })).status).toBe(201);
    const enrolled = await postPhoto(url, `/v1/collections/traced/identities/${person!.name}/faces`, { image: photo(person!.enrolled[0]) });
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);

    // The test is the caller: its traceparent makes the gateway's HTTP span a child of "ours".
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(photo(person!.heldOut))]), 'probe.jpg');
    const response = await fetch(`${url}/v1/collections/traced/identify`, { method: 'POST', body: form, headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } });
    const body = (await response.json()) as { faces: { matches: { identityId: string }[] }[] };
    expect(response.status, JSON.stringify(body)).toBe(200);
    expect(body.faces[0]!.matches[0]!.identityId).toBe(person!.name);

    // Batches leave every 100 ms; wait until both shards' spans of this trace have arrived.
    const deadline = Date.now() + 30_000;
    let spans: ReceivedSpan[] = [];
    for (;;) {
      spans = receiver.inTrace(traceId);
      const shardSpans = spans.filter((s) => s.service === 'faceshard-shard');
      const gatewayHttp = spans.find((s) => s.kind === SERVER && s.service === 'faceshard-gateway');
      const searchesHandled = shardSpans.filter((s) => s.kind === SERVER && s.name.startsWith('shard.handle search')).length;
      if (searchesHandled >= 2 && shardSpans.some((s) => s.name === 'hnsw.searchKnn') && gatewayHttp) break;
      if (Date.now() > deadline) throw new Error(`trace incomplete: ${JSON.stringify(spans.map((s) => [s.service, s.name]))}`);
      await sleep(100);
    }
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const ancestors = (s: ReceivedSpan) => {
      const chain: string[] = [];
      for (let p = parentOf(s); p; p = parentOf(p)) chain.push(p.name);
      return chain;
    };

    // HTTP: the gateway's server span, child of the caller's span, named by route (not by path).
    const http = spans.find((s) => s.service === 'faceshard-gateway' && s.kind === SERVER)!;
    expect(http.parentSpanId).toBe(callerSpanId);
    expect(http.name).toBe('POST /v1/collections/:collection/identify');
    expect(http.attributes['http.response.status_code']).toBe(200);

    // Inference pool: the photo's span under the HTTP span, its stages (timed on the worker thread) under it.
    const analyze = spans.find((s) => s.name === 'inference.analyze')!;
    expect(ancestors(analyze)).toContain(http.name);
    const stages = spans.filter((s) => s.parentSpanId === analyze.spanId).map((s) => s.name);
    expect(stages).toEqual(expect.arrayContaining(['inference.queue', 'inference.decode', 'inference.detect', 'inference.landmarks', 'inference.align', 'inference.embed']));
    for (const stage of spans.filter((s) => s.parentSpanId === analyze.spanId)) {
      expect(stage.startNs >= analyze.startNs && stage.endNs <= analyze.endNs, `${stage.name} lies within inference.analyze`).toBe(true);
    }

    // Fan-out: one round under the HTTP span, one NATS message (client span) per shard under it.
    const fanout = spans.find((s) => s.name === 'search.fanout')!;
    expect(ancestors(fanout)).toContain(http.name);
    const messages = spans.filter((s) => s.parentSpanId === fanout.spanId && s.kind === CLIENT);
    expect(messages.map((m) => m.attributes['faceshard.shard_id']).sort()).toEqual(['ta', 'tb']);
    // One face: one query per shard, sent as a 'search' message (several faces: 'searchMany').
    const op = messages[0]!.attributes['faceshard.op'];
    expect(['search', 'searchMany']).toContain(op);
    expect(messages.map((m) => m.name)).toEqual([`shard ${op}`, `shard ${op}`]);

    // Shards: another process each; every handling span is the child of the gateway's message to
    // that shard (same trace id, parent span id carried in the NATS traceparent header). Besides the
    // fan-out, identify may ask the shards other things (collection sizes): those follow the same rule.
    const handledAll = spans.filter((s) => s.service === 'faceshard-shard' && s.kind === SERVER);
    for (const shardSpan of handledAll) {
      const message = parentOf(shardSpan)!;
      expect(message.service).toBe('faceshard-gateway');
      expect(message.kind).toBe(CLIENT);
      expect(message.attributes['faceshard.shard_id']).toBe(shardSpan.attributes['faceshard.shard_id']);
      expect(shardSpan.name).toBe(`shard.handle ${message.attributes['faceshard.op']}`);
    }
    const handled = handledAll.filter((s) => parentOf(s)!.parentSpanId === fanout.spanId);
    expect(handled.map((h) => h.attributes['faceshard.shard_id']).sort()).toEqual(['ta', 'tb']);
    for (const shardSpan of handled) expect(shardSpan.name).toBe(`shard.handle ${op}`);
    // ...and hnswlib's search call is a child of a shard's span (through admission and Nest's
    // dispatch) on the shard that holds the one enrolled identity; the other has no such collection.
    const knn = spans.filter((s) => s.name === 'hnsw.searchKnn');
    expect(knn.length).toBeGreaterThanOrEqual(1);
    for (const call of knn) {
      expect(handled.map((h) => h.spanId)).toContain(call.parentSpanId);
      expect(call.attributes['faceshard.collection']).toBe('traced');
      expect(call.service).toBe('faceshard-shard');
    }
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
  });
});
