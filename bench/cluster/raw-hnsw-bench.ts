/**
 * The baseline: hnswlib-node in this process, no network, one sequential client. This is the
 * ceiling the cluster is compared against (same vectors, same M/efConstruction, same ef ladder).
 * Two phases, so that a big run can build it in a process of its own while the cluster is being
 * filled (raw-hnsw-process.ts) and search it only once the machine is quiet again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import type { FaceDataset } from '../data/face-embedding-model';
import { collapseToIdentities, rank1Rate, recallAtK, type TopK } from '../data/exact-search';
import { chooseEf, type EfTarget } from './ef-choice';
import { summariseLatencies } from './latency';
import { indexFileSize } from './memory';
import type { ConfigResult, LadderPoint, MemoryFigures } from './report';

export interface RawBuildParams {
  data: FaceDataset;
  m: number;
  efConstruction: number;
  log: (line: string) => void;
  /** Checked between chunks of inserts: true ends the build early (a big run out of time). */
  stopRequested?: () => boolean;
}

export interface RawSearchParams {
  truth: TopK;
  k: number;
  efLadder: number[];
  /** What the timed pass's ef must reach (a recall@k, or a rank-1). */
  target: EfTarget;
  minSeconds: number;
}

export interface RawBuilt {
  buildSeconds: number;
  /** Wall clock (ms since the epoch) when the first vector went in: pauses before it are not build time. */
  buildStartedAtMs: number;
  /** Identities in the index: all of them unless the build was stopped early. */
  identitiesInserted: number;
  complete: boolean;
  /** Per identity inserted. */
  memory: MemoryFigures;
  search(p: RawSearchParams): Omit<ConfigResult, 'loadAverage1m'>;
}

/** Inserts between two looks at the event loop (so that a stop request can arrive). */
const INSERT_CHUNK = 2_000;

export async function buildRawIndex(p: RawBuildParams): Promise<RawBuilt> {
  const { data, log } = p;
  const dim = data.dimension;
  const gallery = data.gallery;
  const facesPerIdentity = data.options.facesPerIdentity;
  const identities = data.options.identities;
  const rssBefore = process.memoryUsage().rss;
  const index = new HierarchicalNSW('ip', dim);
  index.initIndex(gallery.count, p.m, p.efConstruction, 100);

  log(`raw: building hnswlib index of ${gallery.count} vectors (M=${p.m}, efConstruction=${p.efConstruction})`);
  const t0 = process.hrtime.bigint();
  const buildStartedAtMs = Date.now();
  let lastLog = Date.now();
  let rows = 0;
  while (rows < gallery.count && !p.stopRequested?.()) {
    const end = Math.min(gallery.count, rows + INSERT_CHUNK);
    for (; rows < end; rows++) {
      // number[] is what hnswlib-node takes; the conversion is part of inserting.
      index.addPoint(Array.from(gallery.vectors.subarray(rows * dim, (rows + 1) * dim)), rows);
    }
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      log(`raw: ${rows}/${gallery.count} inserted (${Math.round(rows / (Number(process.hrtime.bigint() - t0) / 1e9))}/s)`);
    }
    if (p.stopRequested) await new Promise((resolve) => setImmediate(resolve));
  }
  const buildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssAfter = process.memoryUsage().rss;
  const complete = rows === gallery.count;
  const inserted = Math.floor(rows / facesPerIdentity);
  log(`raw: ${complete ? 'built' : `STOPPED at ${rows}/${gallery.count}`} in ${buildSeconds.toFixed(1)} s (${Math.round(rows / buildSeconds)} vectors/s)`);
  const memory: MemoryFigures = {
    rssBytesPerIdentity: (rssAfter - rssBefore) / Math.max(1, inserted),
    rssNote: `growth of the process resident set over the build (the vectors were already in memory)${complete ? '' : `, over the ${inserted} identities inserted before the build was stopped`}`,
    indexBytesPerIdentity: rawIndexBytes(index) / Math.max(1, inserted),
  };

  const search = (s: RawSearchParams): Omit<ConfigResult, 'loadAverage1m'> => {
    if (!complete) throw new Error('the raw index was not finished: nothing to search');
    const { k } = s;
    // Queries converted once, outside the timed loops: the baseline times the library alone.
    const queries = Array.from({ length: data.probes.count }, (_, i) => Array.from(data.probes.vectors.subarray(i * dim, (i + 1) * dim)));
    // With several faces per identity, ask for k·f rows so that k distinct identities come back.
    const rowsWanted = Math.min(k * facesPerIdentity, gallery.count);

    const searchAll = (ef: number): { found: Int32Array; latenciesMs: Float64Array; seconds: number } => {
      index.setEf(ef);
      const rows: TopK = { k: rowsWanted, count: queries.length, indices: new Int32Array(queries.length * rowsWanted).fill(-1), scores: new Float32Array(queries.length * rowsWanted) };
      const latenciesMs = new Float64Array(queries.length);
      const start = process.hrtime.bigint();
      for (let q = 0; q < queries.length; q++) {
        const t = process.hrtime.bigint();
        const res = index.searchKnn(queries[q], rowsWanted);
        latenciesMs[q] = Number(process.hrtime.bigint() - t) / 1e6;
        // hnswlib returns nearest first; 'ip' distance = 1 - inner product.
        for (let r = 0; r < res.neighbors.length; r++) {
          rows.indices[q * rowsWanted + r] = res.neighbors[r];
          rows.scores[q * rowsWanted + r] = 1 - res.distances[r];
        }
      }
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      return { found: collapseToIdentities(rows, gallery.identity, k).indices, latenciesMs, seconds };
    };

    const ladder: LadderPoint[] = s.efLadder.map((ef) => {
      const { found, latenciesMs, seconds } = searchAll(ef);
      const point: LadderPoint = {
        ef,
        recall: recallAtK(found, k, s.truth, k),
        rank1: rank1Rate(found, k, data.probes.identity),
        qps: queries.length / seconds,
        latency: summariseLatencies(latenciesMs),
      };
      log(`raw: ef=${ef} recall@${k}=${point.recall.toFixed(3)} rank-1=${point.rank1.toFixed(3)} ${Math.round(point.qps)} QPS p99 ${point.latency.p99Ms.toFixed(2)} ms`);
      return point;
    });

    const { point, reachedTarget } = chooseEf(ladder, s.target);
    // Timed pass at the chosen ef: rounds over the probes until minSeconds have passed.
    const latencies: number[] = [];
    let seconds = 0;
    do {
      const run = searchAll(point.ef);
      latencies.push(...run.latenciesMs);
      seconds += run.seconds;
    } while (seconds < s.minSeconds);

    return {
      name: 'raw hnswlib-node, in-process',
      kind: 'raw-hnswlib',
      shards: 1,
      insert: { identities, faces: gallery.count, seconds: buildSeconds, identitiesPerSecond: identities / buildSeconds },
      ladder,
      chosen: {
        ...point,
        qps: latencies.length / seconds,
        latency: summariseLatencies(latencies),
        reachedTarget,
        concurrency: 1,
        seconds,
      },
      memory,
      notes: ['one sequential client in the same process, no network; build = addPoint one by one (single thread)'],
    };
  };
  return { buildSeconds, buildStartedAtMs, identitiesInserted: inserted, complete, memory, search };
}

/** Builds, then searches: the whole baseline in this process. */
export async function runRawHnswBench(p: RawBuildParams & RawSearchParams): Promise<Omit<ConfigResult, 'loadAverage1m'>> {
  return (await buildRawIndex(p)).search(p);
}

/** The index's bytes as hnswlib writes them (the used part of its memory). */
function rawIndexBytes(index: HierarchicalNSW): number {
  const dir = mkdtempSync(join(tmpdir(), 'faceshard-bench-raw-'));
  try {
    const file = join(dir, 'raw.hnsw');
    index.writeIndexSync(file);
    return indexFileSize(file).bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
