/**
 * What one shard's search costs against one index of the whole collection, in raw hnswlib on one
 * hot thread: the per-shard figure hop-ceiling.ts spins for its 2-shard pass. A 2-shard cluster
 * searches each half of the data at shardEf(ef, 2) (libs/query/src/shard-ef.ts); HNSW's cost
 * grows with ef and only slowly with the index's size, so each half costs more than half a search.
 *
 *   npm run build && node dist/bench/cluster/shard-search-cost.js [--identities 100000] [--ef 64,256] [--shards 2] [--passes 3] [--save DIR]
 *
 * `--save DIR` keeps what it built for hop-ceiling.ts's and move-ceiling.ts's `--index-dir`
 * (hop-index.ts).
 *
 * Same vectors as bench:cluster (seed 42, 2,000 probes, M 16, efConstruction 200); the halves are
 * identities split by index parity (the ring's split is by hash: any even split of these i.i.d.
 * identities is alike). Prints µs per search, best of `passes` passes over all probes.
 */
import { loadavg } from 'node:os';
import { HierarchicalNSW } from 'hnswlib-node';
import { shardEf } from '@faceshard/query';
import { parseArgsOrExit } from '../cli-options';
import { makeBenchDataset } from './bench-dataset';
import { saveHopIndex } from './hop-index';

function build(vectors: Float32Array, dimension: number, ids: number[]): HierarchicalNSW {
  const index = new HierarchicalNSW('cosine', dimension);
  index.initIndex(ids.length, 16, 200, 100);
  for (const id of ids) index.addPoint(Array.from(vectors.subarray(id * dimension, (id + 1) * dimension)), id);
  return index;
}

/** µs per search over every probe, best of `passes` passes (hot: the same thread, back to back). */
function timeSearches(index: HierarchicalNSW, probes: number[][], ef: number, passes: number): number {
  index.setEf(ef);
  let best = Infinity;
  for (let p = 0; p < passes; p++) {
    const t0 = process.hrtime.bigint();
    for (const probe of probes) index.searchKnn(probe, 10);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e3 / probes.length);
  }
  return best;
}

function main(): void {
  const { values } = parseArgsOrExit('node dist/bench/cluster/shard-search-cost.js', {
    options: {
      identities: { type: 'string', default: '100000' },
      ef: { type: 'string', default: '64,256' },
      shards: { type: 'string', default: '2' },
      passes: { type: 'string', default: '3' },
      save: { type: 'string' },
    },
  });
  const identities = Number(values.identities);
  const efs = values.ef.split(',').map(Number);
  const shards = Number(values.shards);
  const passes = Number(values.passes);
  const data = makeBenchDataset({ identities, probes: 2000, facesPerIdentity: 1, unenrolledFraction: 0.2, seed: 42, centre: false });
  const dim = data.dimension;
  const all = Array.from({ length: data.gallery.count }, (_, i) => i);
  const t0 = Date.now();
  const whole = build(data.gallery.vectors, dim, all);
  const parts = Array.from({ length: shards }, (_, s) => build(data.gallery.vectors, dim, all.filter((i) => i % shards === s)));
  console.error(`built 1 index of ${all.length} and ${shards} of ~${Math.round(all.length / shards)} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const probes = Array.from({ length: data.probes.count }, (_, i) => Array.from(data.probes.vectors.subarray(i * dim, (i + 1) * dim)));
  const rows = efs.map((ef) => {
    const wholeUs = timeSearches(whole, probes, ef, passes);
    const partEf = shardEf(ef, shards);
    const partUs = parts.map((part) => timeSearches(part, probes, partEf, passes));
    const meanPartUs = partUs.reduce((a, b) => a + b, 0) / partUs.length;
    console.log(
      `ef ${ef}: one index ${wholeUs.toFixed(0)} µs per search; each of ${shards} shards at ef ${partEf}: ${partUs.map((u) => u.toFixed(0)).join(' / ')} µs (${(meanPartUs / wholeUs).toFixed(2)} of one index; all shards ${((meanPartUs * shards) / wholeUs).toFixed(2)})`,
    );
    return { ef, wholeUs, shardEf: partEf, shardUs: partUs };
  });
  if (values.save) {
    saveHopIndex(values.save, { dimension: dim, identities, shards, probes: data.probes.count }, whole, parts, data.probes.vectors);
    console.error(`saved the indexes and probes in ${values.save}`);
  }
  console.log(JSON.stringify({ identities, shards, passes, loadavg: loadavg(), rows }));
}

main();
