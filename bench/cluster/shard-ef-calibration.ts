/**
 * Where the per-shard ef rule (libs/query/src/shard-ef.ts) comes from: how the ef that one
 * hnswlib index needs for a given recall grows with the index's size, on the synthetic face model.
 *
 *   npm run build && node dist/bench/cluster/shard-ef-calibration.js [--sizes 12500,25000,...]
 *     [--probes 1000] [--m 16] [--ef-construction 200] [--ef 10,16,...] [--centre] [--seed 42]
 *
 * One index is grown through the sizes (the generator makes identity i the same whatever the
 * total, so the first n identities are a collection of n); at each size every ef of the ladder
 * is scored against exact brute force over the same n (hnswlib's BruteforceSearch). For each
 * target recall it prints the ef needed at each size (log-interpolated between ladder points) and
 * the fitted exponent beta of ef ~ n^beta. JSON report on stdout, progress on stderr.
 */
import { BruteforceSearch, HierarchicalNSW } from 'hnswlib-node';
import { loadEmbeddingStats } from '../data/embedding-stats';
import { rank1Rate, recallAtK, type TopK } from '../data/exact-search';
import { generateFaceDataset } from '../data/face-embedding-model';
import { meanRow, subtractMeanAndNormalise } from '../data/gallery-mean';
import { parseArgsOrExit } from '../cli-options';
import { loadavg } from 'node:os';

const log = (line: string): void => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const list = (s: string): number[] => s.split(',').map(Number);

function main(): void {
  const { values } = parseArgsOrExit('node dist/bench/cluster/shard-ef-calibration.js', {
    options: {
      sizes: { type: 'string', default: '12500,25000,50000,100000,200000' },
      probes: { type: 'string', default: '1000' },
      m: { type: 'string', default: '16' },
      'ef-construction': { type: 'string', default: '200' },
      ef: { type: 'string', default: '10,16,24,32,48,64,96,128,192,256,384,512,768,1024' },
      targets: { type: 'string', default: '0.9,0.95,0.98,0.99' },
      centre: { type: 'boolean', default: false },
      seed: { type: 'string', default: '42' },
      k: { type: 'string', default: '10' },
      // Larger ef only cost time once recall is there.
      'stop-at': { type: 'string', default: '0.9995' },
    },
  });
  const sizes = list(values.sizes).sort((a, b) => a - b);
  const efLadder = list(values.ef).sort((a, b) => a - b);
  const targets = list(values.targets);
  const k = Number(values.k);
  const m = Number(values.m);
  const efC = Number(values['ef-construction']);
  const total = sizes[sizes.length - 1];
  const loadBefore = loadavg();
  log(`generating ${total} identities, ${values.probes} probes`);
  const data = generateFaceDataset(loadEmbeddingStats(), { identities: total, probes: Number(values.probes), seed: Number(values.seed) });
  const dim = data.dimension;
  if (values.centre) {
    // The mean of the largest gallery: what an operator would configure once for the model.
    const mean = meanRow(data.gallery.vectors, dim);
    subtractMeanAndNormalise(data.gallery.vectors, mean);
    subtractMeanAndNormalise(data.probes.vectors, mean);
  }
  const queries = Array.from({ length: data.probes.count }, (_, q) => Array.from(data.probes.vectors.subarray(q * dim, (q + 1) * dim)));
  const index = new HierarchicalNSW('ip', dim);
  index.initIndex(total, m, efC, 100);
  const exact = new BruteforceSearch('ip', dim);
  exact.initIndex(total);

  // cpuUsPerQuery: this process's CPU time per search, which a loaded machine distorts far less than the wall time.
  const points: { n: number; ef: number; recall: number; rank1: number; usPerQuery: number; cpuUsPerQuery: number }[] = [];
  const exactRank1: Record<number, number> = {};
  let added = 0;
  const buildStart = Date.now();
  const buildCpuStart = process.cpuUsage();
  let searchMs = 0;
  let searchCpuUs = 0;
  const builds: { n: number; seconds: number; cpuSeconds: number }[] = [];
  for (const n of sizes) {
    for (; added < n; added++) {
      const v = Array.from(data.gallery.vectors.subarray(added * dim, (added + 1) * dim));
      index.addPoint(v, added);
      exact.addPoint(v, added);
    }
    const buildSeconds = (Date.now() - buildStart - searchMs) / 1000;
    const cpuSinceStart = process.cpuUsage(buildCpuStart);
    const buildCpuSeconds = (cpuSinceStart.user + cpuSinceStart.system - searchCpuUs) / 1e6;
    log(`n=${n}: built (${Math.round(n / buildSeconds)} vectors/s so far, ${Math.round(n / buildCpuSeconds)} per CPU second, searches excluded)`);
    builds.push({ n, seconds: buildSeconds, cpuSeconds: buildCpuSeconds });
    const searchStart = Date.now();
    const searchCpu0 = process.cpuUsage();
    // Probes of people beyond the first n are strangers to this collection.
    const trueIdentity = Int32Array.from(data.probes.identity, (id) => (id < n ? id : -1));
    const truth: TopK = { k, count: queries.length, indices: new Int32Array(queries.length * k).fill(-1), scores: new Float32Array(queries.length * k) };
    queries.forEach((q, i) => exact.searchKnn(q, k).neighbors.forEach((row, r) => (truth.indices[i * k + r] = row)));
    exactRank1[n] = rank1Rate(truth.indices, k, trueIdentity);
    for (const ef of efLadder) {
      if (ef < k) continue;
      index.setEf(ef);
      const found = new Int32Array(queries.length * k).fill(-1);
      const t0 = process.hrtime.bigint();
      const cpu0 = process.cpuUsage();
      queries.forEach((q, i) => index.searchKnn(q, k).neighbors.forEach((row, r) => (found[i * k + r] = row)));
      const cpu = process.cpuUsage(cpu0);
      const usPerQuery = Number(process.hrtime.bigint() - t0) / 1e3 / queries.length;
      const cpuUsPerQuery = (cpu.user + cpu.system) / queries.length;
      const point = { n, ef, recall: recallAtK(found, k, truth, k), rank1: rank1Rate(found, k, trueIdentity), usPerQuery, cpuUsPerQuery };
      points.push(point);
      log(`  n=${n} ef=${ef} recall@${k}=${point.recall.toFixed(4)} rank-1=${point.rank1.toFixed(3)} (exact ${exactRank1[n].toFixed(3)}) ${usPerQuery.toFixed(0)} µs (${cpuUsPerQuery.toFixed(0)} µs CPU) load ${loadavg()[0].toFixed(1)}`);
      if (point.recall >= Number(values['stop-at'])) break;
    }
    searchMs += Date.now() - searchStart;
    const searchCpu = process.cpuUsage(searchCpu0);
    searchCpuUs += searchCpu.user + searchCpu.system;
  }

  const needed = targets.map((target) => ({
    target,
    efBySize: sizes.map((n) => ({ n, ef: efForRecall(points.filter((p) => p.n === n), target) })),
  }));
  const fits = needed.map(({ target, efBySize }) => ({ target, ...fitPowerLaw(efBySize.filter((x) => Number.isFinite(x.ef)) as { n: number; ef: number }[]) }));
  console.error('\nef needed for recall@k (log-interpolated between ladder points; - = not reached):');
  console.error(['recall', ...sizes.map((n) => `n=${n}`), 'beta'].join('\t'));
  needed.forEach(({ target, efBySize }, i) => console.error([target, ...efBySize.map((x) => (Number.isFinite(x.ef) ? x.ef.toFixed(0) : '-')), fits[i].beta.toFixed(3)].join('\t')));
  console.log(JSON.stringify({ parameters: { ...values, sizes, efLadder, k }, loadBefore, loadAfter: loadavg(), builds, exactRank1, points, needed, fits }, null, 2));
}

/** The ef at which recall reaches `target`, interpolating linearly in log(ef) between ladder points. */
export function efForRecall(ladder: { ef: number; recall: number }[], target: number): number {
  const sorted = [...ladder].sort((a, b) => a.ef - b.ef);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i].recall < target) continue;
    if (i === 0) return sorted[0].ef;
    const lo = sorted[i - 1];
    const hi = sorted[i];
    const t = (target - lo.recall) / (hi.recall - lo.recall);
    return Math.exp(Math.log(lo.ef) + t * (Math.log(hi.ef) - Math.log(lo.ef)));
  }
  return NaN;
}

/** Least squares of log(ef) = a + beta·log(n). */
export function fitPowerLaw(xs: { n: number; ef: number }[]): { beta: number; a: number } {
  if (xs.length < 2) return { beta: NaN, a: NaN };
  const X = xs.map((x) => Math.log(x.n));
  const Y = xs.map((x) => Math.log(x.ef));
  const mx = X.reduce((s, v) => s + v, 0) / X.length;
  const my = Y.reduce((s, v) => s + v, 0) / Y.length;
  const sxy = X.reduce((s, v, i) => s + (v - mx) * (Y[i] - my), 0);
  const sxx = X.reduce((s, v) => s + (v - mx) ** 2, 0);
  const beta = sxy / sxx;
  return { beta, a: my - beta * mx };
}

main();
