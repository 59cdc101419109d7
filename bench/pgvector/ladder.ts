/**
 * One pass of the ef ladder over any searcher (pgvector, or faceshard through HTTP): every probe
 * once (or rounds of them until minSeconds) with `clients` requests in flight; recall@k and
 * rank-1 against the exact answers, QPS and latency as seen by the caller.
 */
import { loadavg } from 'node:os';
import { rank1Rate, recallAtK, type TopK } from '../data/exact-search';
import type { FaceDataset } from '../data/face-embedding-model';
import { summariseLatencies, type LatencySummary } from '../cluster/latency';
import { timedRounds } from '../cluster/load';

export interface LadderSearcher {
  /** Short name in tables. */
  name: string;
  /** Called before the passes of one ef (pgvector: SET hnsw.ef_search on each connection). */
  useEf(ef: number): Promise<void>;
  /** The k nearest identities of probe q, best first; `partial` when the answer says part of the data was missing. */
  search(q: number, ef: number, k: number): Promise<{ identities: number[]; partial?: boolean }>;
}

export interface LadderPass {
  system: string;
  ef: number;
  clients: number;
  recall: number;
  rank1: number;
  qps: number;
  latency: LatencySummary;
  seconds: number;
  requests: number;
  /** Answers that said a shard was missing (faceshard). */
  partial: number;
  /** 1-minute load average when the pass started and ended. */
  load1m: { start: number; end: number };
}

export async function ladderPass(searcher: LadderSearcher, data: FaceDataset, truth: TopK, k: number, ef: number, clients: number, minSeconds: number): Promise<LadderPass> {
  const loadStart = loadavg()[0]!;
  const found = new Int32Array(data.probes.count * k).fill(-1);
  let partial = 0;
  const run = await timedRounds(data.probes.count, clients, minSeconds, async (q) => {
    const answer = await searcher.search(q, ef, k);
    if (answer.partial) partial++;
    for (let r = 0; r < Math.min(k, answer.identities.length); r++) found[q * k + r] = answer.identities[r]!;
  });
  return {
    system: searcher.name,
    ef,
    clients,
    recall: recallAtK(found, k, truth, k),
    rank1: rank1Rate(found, k, data.probes.identity),
    qps: run.requests / run.seconds,
    latency: summariseLatencies(run.latenciesMs),
    seconds: run.seconds,
    requests: run.requests,
    partial,
    load1m: { start: loadStart, end: loadavg()[0]! },
  };
}
