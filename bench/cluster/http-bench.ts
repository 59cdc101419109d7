/**
 * Benchmarks one running faceshard (cluster or embedded) through its HTTP API: insert the
 * gallery, walk the ef ladder for recall, then time search at the chosen ef.
 */
import type { FaceDataset } from '../data/face-embedding-model';
import { rank1Rate, recallAtK, type TopK } from '../data/exact-search';
import { chooseEf, reachesTarget, type EfTarget } from './ef-choice';
import { FaceshardError } from '@faceshard/contracts';
import type { BatchReply, FaceshardClient, IdentityInput } from './faceshard-client';
import { summariseLatencies } from './latency';
import { cpuSeconds } from './process-idle';
import { runWithConcurrency, timedRounds } from './load';
import type { LadderPoint, OperatingPoint } from './report';

export interface HttpBenchParams {
  client: FaceshardClient;
  collection: string;
  data: FaceDataset;
  truth: TopK;
  k: number;
  efLadder: number[];
  /** false: stop climbing at the first ef that reaches the target (the larger ones are the slowest passes). */
  fullLadder: boolean;
  /** What the chosen ef must reach (a recall@k, or a rank-1). */
  target: EfTarget;
  concurrency: number;
  /** Time the chosen ef once more with one sequential client. */
  oneClient?: boolean;
  /** Also one round with one sequential client at every ef of the ladder (the latency without queueing, per ef). */
  oneClientLadder?: boolean;
  /**
   * 'once': each probe's request body (JSON + base64) is built before the pass and only sent
   * during it; 'each': built in every request, inside the timed span (the client before 27 Nov).
   * The gateway receives the same bytes either way. Default 'once'.
   */
  clientBody?: 'once' | 'each';
  /** Server processes whose CPU time per request each timed pass reports (from /proc), by label. */
  serverProcesses?: { label: string; pid: number }[];
  batchSize: number;
  insertInFlight: number;
  minSeconds: number;
  log: (line: string) => void;
}

/** Identity i is called "p<i>"; its f-th gallery face "f<f>". */
export const identityIdOf = (i: number): string => `p${i}`;

export function identityIndexOf(identityId: string): number {
  const n = identityId.startsWith('p') ? Number(identityId.slice(1)) : NaN;
  if (!Number.isInteger(n)) throw new Error(`search returned an identity the benchmark did not insert: ${identityId}`);
  return n;
}

/** Attempts per batch: a retryable failure (shard timeout, ring change, busy) is retried, as a real client would. */
const MAX_INSERT_ATTEMPTS = 8;

export interface InsertOutcome {
  seconds: number;
  faces: number;
  /** Identities that had to be sent again, by error code (the first message of each code kept). */
  retried: Record<string, { identities: number; firstMessage: string }>;
}

/** Inserts the whole gallery with `insertInFlight` batches in flight; returns seconds until all were acknowledged. */
export async function insertGallery(p: Pick<HttpBenchParams, 'client' | 'collection' | 'data' | 'batchSize' | 'insertInFlight' | 'log'>): Promise<InsertOutcome> {
  const { data, batchSize } = p;
  const dim = data.dimension;
  const f = data.options.facesPerIdentity;
  const identities = data.options.identities;
  const batches = Math.ceil(identities / batchSize);
  const retried: InsertOutcome['retried'] = {};
  const noteRetry = (code: string, message: string, count: number): void => {
    if (!retried[code]) {
      retried[code] = { identities: 0, firstMessage: message };
      p.log(`  retrying after ${code}: ${message}`);
    }
    retried[code].identities += count;
  };
  let acknowledgedFaces = 0;
  let done = 0;
  const start = process.hrtime.bigint();
  await runWithConcurrency(batches, p.insertInFlight, async (b) => {
    let pending: IdentityInput[] = [];
    for (let id = b * batchSize; id < Math.min(identities, (b + 1) * batchSize); id++) {
      const faces = Array.from({ length: f }, (_, j) => {
        const row = id * f + j;
        return { faceId: `f${j}`, vector: data.gallery.vectors.subarray(row * dim, (row + 1) * dim) };
      });
      pending.push({ identityId: identityIdOf(id), faces });
    }
    for (let attempt = 1; pending.length > 0; attempt++) {
      let reply: BatchReply;
      try {
        reply = await p.client.upsertBatch(p.collection, pending);
      } catch (err) {
        if (!(err instanceof FaceshardError && err.retryable) || attempt >= MAX_INSERT_ATTEMPTS) throw err;
        noteRetry(err.code, err.message, pending.length);
        await sleep(Math.min(10_000, 250 * 2 ** attempt));
        continue;
      }
      acknowledgedFaces += reply.faces;
      const failed = reply.failed ?? [];
      if (reply.upserted + failed.length !== pending.length) {
        throw new Error(`batch ${b}: ${reply.upserted} acknowledged + ${failed.length} failed of ${pending.length} sent`);
      }
      if (failed.length === 0) break;
      const fatal = failed.find((x) => !x.error.retryable);
      if (fatal || attempt >= MAX_INSERT_ATTEMPTS) {
        const e = fatal ?? failed[0];
        throw new Error(`batch ${b}: ${failed.length} of ${pending.length} identities failed (attempt ${attempt}), e.g. ${e.identityId}: ${e.error.code}: ${e.error.message}`);
      }
      noteRetry(failed[0].error.code, failed[0].error.message, failed.length);
      const again = new Set(failed.map((x) => x.identityId));
      pending = pending.filter((x) => again.has(x.identityId));
      await sleep(Math.min(10_000, 250 * 2 ** attempt));
    }
    done++;
    if (done % 20 === 0 || done === batches) {
      const s = Number(process.hrtime.bigint() - start) / 1e9;
      p.log(`  inserted ${Math.min(done * batchSize, identities)}/${identities} identities (${Math.round((done * batchSize) / s)}/s)`);
    }
  });
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, faces: acknowledgedFaces, retried };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * All probes once at `ef`, `concurrency` in flight; identity indices of the hits, k per probe.
 * clientCpuUs: this process's CPU time (all threads) per request over the pass, i.e. what the
 * benchmark's own HTTP client costs (nothing else runs in this process meanwhile).
 */
async function searchAllProbes(
  p: HttpBenchParams,
  ef: number,
  minSeconds: number,
): Promise<{ found: Int32Array; qps: number; latenciesMs: Float64Array; seconds: number; partial: number; clientCpuUs: number; serverCpuUs: Record<string, number> }> {
  const { data, k } = p;
  const dim = data.dimension;
  const probe = (q: number): Float32Array => data.probes.vectors.subarray(q * dim, (q + 1) * dim);
  const bodies = p.clientBody !== 'each' ? Array.from({ length: data.probes.count }, (_, q) => p.client.searchBody(probe(q), k, ef)) : null;
  const found = new Int32Array(data.probes.count * k).fill(-1);
  let partial = 0;
  const servers = p.serverProcesses ?? [];
  const server0 = servers.map((s) => cpuSeconds(s.pid));
  const cpu0 = process.cpuUsage();
  const run = await timedRounds(data.probes.count, p.concurrency, minSeconds, async (q) => {
    const reply = bodies ? await p.client.searchWith(p.collection, bodies[q]!) : await p.client.search(p.collection, probe(q), k, ef);
    if (reply.partial) partial++;
    for (let r = 0; r < Math.min(k, reply.hits.length); r++) found[q * k + r] = identityIndexOf(reply.hits[r].identityId);
  });
  const cpu = process.cpuUsage(cpu0);
  const clientCpuUs = (cpu.user + cpu.system) / run.requests;
  // /proc counts in 10 ms ticks: over a pass of thousands of requests, a few µs per request.
  const serverCpuUs = Object.fromEntries(servers.map((s, i) => [s.label, ((cpuSeconds(s.pid) - server0[i]!) * 1e6) / run.requests]));
  return { found, qps: run.requests / run.seconds, latenciesMs: run.latenciesMs, seconds: run.seconds, partial, clientCpuUs, serverCpuUs };
}

export async function searchLadder(p: HttpBenchParams): Promise<{ ladder: LadderPoint[]; chosen: OperatingPoint; notes: string[] }> {
  const notes: string[] = [];
  const ladder: LadderPoint[] = [];
  const perProcess = (r: { clientCpuUs: number; serverCpuUs: Record<string, number> }): string =>
    [`client ${Math.round(r.clientCpuUs)}`, ...Object.entries(r.serverCpuUs).map(([label, us]) => `${label} ${Math.round(us)}`)].join(', ');
  for (const ef of p.efLadder) {
    // One round over the probes per ef: its recall, and its speed at the benchmark's concurrency.
    const r = await searchAllProbes(p, ef, 0);
    if (r.partial) notes.push(`ef=${ef}: ${r.partial} partial answers (missing shards)`);
    const single = p.oneClientLadder ? await searchAllProbes({ ...p, concurrency: 1 }, ef, 0) : null;
    if (single?.partial) notes.push(`ef=${ef}, one client: ${single.partial} partial answers (missing shards)`);
    const point: LadderPoint = {
      ef,
      recall: recallAtK(r.found, p.k, p.truth, p.k),
      rank1: rank1Rate(r.found, p.k, p.data.probes.identity),
      qps: r.qps,
      latency: summariseLatencies(r.latenciesMs),
      clientCpuUs: r.clientCpuUs,
      serverCpuUs: r.serverCpuUs,
      ...(single ? { oneClient: { qps: single.qps, latency: summariseLatencies(single.latenciesMs), seconds: single.seconds, clientCpuUs: single.clientCpuUs, serverCpuUs: single.serverCpuUs } } : {}),
    };
    ladder.push(point);
    const singleLog = single && point.oneClient ? `; one client p50 ${point.oneClient.latency.p50Ms.toFixed(2)} ms p99 ${point.oneClient.latency.p99Ms.toFixed(2)} ms, CPU µs per request: ${perProcess(single)}` : '';
    p.log(`  ef=${ef} recall@${p.k}=${point.recall.toFixed(3)} rank-1=${point.rank1.toFixed(3)} ${Math.round(point.qps)} QPS p99 ${point.latency.p99Ms.toFixed(2)} ms, CPU µs per request: ${perProcess(r)}${singleLog}`);
    if (!p.fullLadder && reachesTarget(point, p.target)) break;
  }
  const { point, reachedTarget } = chooseEf(ladder, p.target);
  const timed = await searchAllProbes(p, point.ef, p.minSeconds);
  if (timed.partial) notes.push(`timed pass: ${timed.partial} partial answers (missing shards)`);
  // One sequential client: what the path adds to one search's latency, without queueing.
  const single = p.oneClient ? await searchAllProbes({ ...p, concurrency: 1 }, point.ef, p.minSeconds) : null;
  if (single?.partial) notes.push(`one-client pass: ${single.partial} partial answers (missing shards)`);
  p.log(`  timed pass at ef=${point.ef}: CPU µs per request: ${perProcess(timed)} (client bodies built ${p.clientBody !== 'each' ? 'before the pass' : 'per request'})`);
  if (single) p.log(`  one-client pass at ef=${point.ef}: CPU µs per request: ${perProcess(single)}`);
  return {
    ladder,
    notes,
    chosen: {
      ...point,
      qps: timed.qps,
      latency: summariseLatencies(timed.latenciesMs),
      reachedTarget,
      concurrency: p.concurrency,
      seconds: timed.seconds,
      clientCpuUs: timed.clientCpuUs,
      serverCpuUs: timed.serverCpuUs,
      ...(single
        ? { oneClient: { qps: single.qps, latency: summariseLatencies(single.latenciesMs), seconds: single.seconds, clientCpuUs: single.clientCpuUs, serverCpuUs: single.serverCpuUs } }
        : {}),
    },
  };
}
