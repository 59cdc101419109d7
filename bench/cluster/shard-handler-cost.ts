/**
 * CPU time per query of the shard's search path in one process, beside hnswlib's own search of
 * the same queries in the same index: what the shard costs around `searchKnn`. The path is the
 * one a NATS message takes once nats.js handed it over: `answerRequest` (decode the envelope,
 * run the handler, encode the reply) → ShardTransportServer's admission (ObservedShardAdmission,
 * metrics on) → the direct search handlers → ShardService → ShardStore → CollectionIndex.
 * Requests are encoded beforehand, as the gateway would (shardSearchMessage + encodeRequest),
 * `--in-flight` messages at a time so that the admission gate queues as under load. No sockets,
 * no nats.js: what those cost is measured by bench:cluster's CPU meters.
 *
 * Rounds alternate raw / store.search alone / decode+ShardService+encode / shard so the machine's drift falls on both; the figure is the median
 * over rounds of (CPU µs per query, all threads, process.cpuUsage).
 *
 *   npm run build
 *   node dist/bench/cluster/shard-handler-cost.js --identities 20000 --ef 64 --batch 1
 *   options: [--identities 20000] [--queries 2000] [--ef 64] [--k 10] [--batch 1] [--in-flight 4]
 *            [--rounds 5] [--label L] [--profile DIR] [--data-dir DIR: keep the store there, reuse it next time]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CollectionSpec, IdentityUpsert } from '@faceshard/contracts';
import { ShardStore } from '@faceshard/index';
import { answerRequest, decode, encode, encodeRequest, replyFor, type ShardHandler, type ShardTransport } from '@faceshard/messaging';
import { createObservability, readObservabilityConfig } from '@faceshard/observability';
import { readShardConfig } from '../../apps/shard/src/config/shard-config';
import { ObservedShardAdmission } from '../../apps/shard/src/admission/observed-admission';
import { RingView } from '../../apps/shard/src/ring-view';
import { ShardService } from '../../apps/shard/src/shard.service';
import { searchHandlers } from '../../apps/shard/src/transport/search-handlers';
import { ShardTransportServer } from '../../apps/shard/src/transport/shard-transport.server';
import { shardSearchMessage } from '../../apps/gateway/src/fan-out/shard-search-message';
import { makeBenchDataset } from './bench-dataset';

interface Options {
  identities: number;
  queries: number;
  ef: number;
  k: number;
  batch: number;
  inFlight: number;
  rounds: number;
  label: string;
  profileDir?: string;
  /** Keep the store here and reuse it on the next run (a 100k index takes ~1 min to build). */
  dataDir?: string;
}

const NUMERIC = { '--identities': 'identities', '--queries': 'queries', '--ef': 'ef', '--k': 'k', '--batch': 'batch', '--in-flight': 'inFlight', '--rounds': 'rounds' } as const;
const COLLECTION = 'bench';
const MAX_PAYLOAD = 1024 * 1024;

function parseOptions(argv: string[]): Options {
  const opts: Options = { identities: 20_000, queries: 2000, ef: 64, k: 10, batch: 1, inFlight: 4, rounds: 5, label: 'this build' };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i]!, argv[i + 1]];
    if (name in NUMERIC) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
      opts[NUMERIC[name as keyof typeof NUMERIC]] = n;
    } else if (name === '--label' && value) opts.label = value;
    else if (name === '--profile' && value) opts.profileDir = value;
    else if (name === '--data-dir' && value) opts.dataDir = value;
    else throw new Error(`unknown option ${name} (see the comment at the top of bench/cluster/shard-handler-cost.ts)`);
  }
  return opts;
}

/** The shard's request handler as the transport would get it, without a transport. */
async function shardHandler(service: ShardService, admission: ObservedShardAdmission): Promise<ShardHandler> {
  let captured: ShardHandler | undefined;
  const transport = { serve: async (_id: string, handler: ShardHandler) => ((captured = handler), { close: async () => undefined }) } as unknown as ShardTransport;
  const server = new ShardTransportServer(transport, 's0', admission);
  server.answerDirectly(searchHandlers(service));
  await server.listen(() => undefined);
  if (!captured) throw new Error('the transport server did not serve');
  return captured;
}

function cpuUs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return d.user + d.system;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const data = makeBenchDataset({ identities: opts.identities, facesPerIdentity: 1, probes: opts.queries, unenrolledFraction: 0.2, seed: 42, centre: false });
  const dim = data.dimension;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'faceshard-shard-handler-cost-'));
  // As in bench:cluster's shards: the graph upkeep pins the faces the graph cut off, which every search then scores exactly.
  const store = await ShardStore.open({ dataDir, hnsw: { M: 16, efConstruction: 200 }, snapshotEveryOps: 10_000_000, graphUpkeepIdleMs: 0, graphUpkeepIdleSnapshotMs: 0 });
  try {
    if (!store.hasCollection(COLLECTION) || store.identityIds(COLLECTION).length !== opts.identities) {
      if (store.hasCollection(COLLECTION)) throw new Error(`${dataDir} holds another collection size: remove it`);
      const spec: CollectionSpec = { name: COLLECTION, dimension: dim, metric: 'ip' };
      await store.ensureCollection(spec);
      for (let from = 0; from < opts.identities; from += 1000) {
        const batch: IdentityUpsert[] = [];
        for (let i = from; i < Math.min(opts.identities, from + 1000); i++) {
          batch.push({ identityId: `id-${i}`, faces: [{ faceId: 'f0', vector: data.gallery.vectors.slice(i * dim, (i + 1) * dim) }], mode: 'replace' });
        }
        await store.upsert(COLLECTION, batch);
      }
      await store.snapshot();
      await store.pinUnreachable(COLLECTION);
    }
    const pinned = (store as unknown as { collections: Map<string, { pinnedCount: number }> }).collections.get(COLLECTION)!.pinnedCount;

    const ring = new RingView();
    ring.observe({ epoch: 1, members: ['s0'] });
    const service = new ShardService(store, 's0', ring);
    const observability = createObservability({ ...readObservabilityConfig({}), log: { level: 'info' } }, { role: 'shard' }, { processMetrics: false });
    const admission = new ObservedShardAdmission(readShardConfig({}).admission, observability.metrics?.shardOps('s0'), observability.log);
    const handler = await shardHandler(service, admission);

    const probes = Array.from({ length: opts.queries }, (_, i) => data.probes.vectors.slice(i * dim, (i + 1) * dim));
    // Encoded once, as the gateway sends them: one message per `batch` queries.
    const messages: { op: string; bytes: Uint8Array }[] = [];
    for (let i = 0; i < probes.length; i += opts.batch) {
      const queries = probes.slice(i, i + opts.batch).map((vector) => ({ vector, params: { k: opts.k, ef: opts.ef } }));
      const message = shardSearchMessage({ collection: COLLECTION }, queries);
      // With a request id, as the gateway sends every request (the shard answers in its scope).
      messages.push({ op: message.op, bytes: encodeRequest(message.req, { shardId: 's0', op: message.op }, MAX_PAYLOAD, 5000, `bench-${i}`) });
    }
    // hnswlib's own search of the same queries, as bench:cluster's raw baseline calls it (number[] prepared once).
    const hnsw = (store as unknown as { collections: Map<string, { hnsw: { setEf(ef: number): void; searchKnn(q: number[], k: number): unknown } }> }).collections.get(COLLECTION)!.hnsw;
    const rawQueries = probes.map((p) => Array.from(p));

    const rawRound = (): number => {
      hnsw.setEf(opts.ef);
      const start = process.cpuUsage();
      for (const q of rawQueries) hnsw.searchKnn(q, opts.k);
      return cpuUs(start) / rawQueries.length;
    };
    // The store's search alone (CollectionIndex: query conversion, pinned faces, collapse, hits): splits the index's share from the transport's.
    const indexRound = (): number => {
      const start = process.cpuUsage();
      for (const p of probes) store.search(COLLECTION, p, opts.k, { ef: opts.ef });
      return cpuUs(start) / probes.length;
    };
    // Decode, ShardService.search, encode, with no admission, request scope or promise: what the path's layers between them cost.
    const directRound = (): number => {
      const start = process.cpuUsage();
      for (const m of messages) {
        const req = (decode(m.bytes) as { req: never }).req;
        encode(replyFor({ ok: true, result: m.op === 'search' ? service.search(req) : service.searchMany(req) }));
      }
      return cpuUs(start) / probes.length;
    };
    const shardRound = async (): Promise<number> => {
      let next = 0;
      const start = process.cpuUsage();
      const lane = async (): Promise<void> => {
        while (next < messages.length) {
          const m = messages[next++]!;
          await answerRequest(m.op, m.bytes, handler, MAX_PAYLOAD);
        }
      };
      await Promise.all(Array.from({ length: opts.inFlight }, lane));
      return cpuUs(start) / probes.length;
    };

    // Warm-up (JIT, caches), then alternating timed rounds.
    rawRound();
    indexRound();
    directRound();
    await shardRound();
    let session: Session | undefined;
    if (opts.profileDir) {
      session = new Session();
      session.connect();
      await new Promise<void>((done) => session!.post('Profiler.enable', () => session!.post('Profiler.start', () => done())));
    }
    const raw: number[] = [];
    const index: number[] = [];
    const direct: number[] = [];
    const shard: number[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      raw.push(rawRound());
      index.push(indexRound());
      direct.push(directRound());
      shard.push(await shardRound());
    }
    if (session && opts.profileDir) {
      const profile = await new Promise<unknown>((done) => session!.post('Profiler.stop', (_err, res) => done(res.profile)));
      writeFileSync(join(opts.profileDir, `shard-handler-${Date.now()}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    }
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const overhead = shard.map((s, i) => s - raw[i]!);
    const indexOverhead = index.map((s, i) => s - raw[i]!);
    const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(' / ');
    console.log(
      `${opts.label}: ${opts.identities} identities (${pinned} faces pinned), ef ${opts.ef}, k ${opts.k}, ${opts.batch} per message, ${opts.inFlight} in flight, load ${loadavg()[0]!.toFixed(2)}\n` +
        `  raw hnswlib  µs CPU/query: ${fmt(raw)}  median ${med(raw).toFixed(1)}\n` +
        `  store.search µs CPU/query: ${fmt(index)}  median ${med(index).toFixed(1)}\n` +
        `  decode+service+encode µs CPU/query: ${fmt(direct)}  median ${med(direct).toFixed(1)}\n` +
        `  shard path   µs CPU/query: ${fmt(shard)}  median ${med(shard).toFixed(1)}\n` +
        `  store − raw  µs CPU/query: ${fmt(indexOverhead)}  median ${med(indexOverhead).toFixed(1)}\n` +
        `  shard − raw  µs CPU/query: ${fmt(overhead)}  median ${med(overhead).toFixed(1)}`,
    );
  } finally {
    await store.close();
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
