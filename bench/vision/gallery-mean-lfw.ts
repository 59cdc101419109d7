/**
 * Does subtracting the gallery mean help identification on REAL face embeddings? (issue 10 item 4)
 *
 *   npm run build && node dist/bench/vision/gallery-mean-lfw.js [--people N] [--distractors N]
 *     [--mean-from N] [--cache FILE] [pipeline flags as eval:lfw: --detector, --recognizer, ...]
 *
 * LFW, the whole pipeline from the JPEGs (face nearest the centre). Gallery: the first photo of
 * each person with at least two photos plus the only photo of `--distractors` people with one;
 * probes: the second photo of each of the former. Rank-1 = the probe's nearest gallery face
 * (exact cosine) is the same person. Scored three ways: as the model gives them; minus the mean
 * of the gallery itself (what a per-model option would use: the enrolled set); minus the mean of
 * `--mean-from` other one-photo people (held out: the mean as it would be known in advance).
 * Also the same/different-person cosine distributions and the best-threshold verification
 * accuracy over probe-vs-gallery pairs. JSON on stdout, progress on stderr.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import { createInProcessPipeline, pickCenterFace } from '@faceshard/vision';
import { exactTopK, rank1Rate } from '../data/exact-search';
import { meanRow, subtractMeanAndNormalise } from '../data/gallery-mean';
import { lfwImagePath } from './lfw-pairs';
import { PIPELINE_FLAG_OPTIONS, pipelineConfigFromFlags } from './pipeline-args';
import { findSharedDir } from './shared-dir';
import { bestThreshold, type ScoredPair } from './verification-metrics';

interface Person {
  name: string;
  photos: number;
}

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/vision/gallery-mean-lfw.js', {
    options: {
      people: { type: 'string' },
      distractors: { type: 'string', default: '1000' },
      'mean-from': { type: 'string', default: '500' },
      cache: { type: 'string' },
      ...PIPELINE_FLAG_OPTIONS,
    },
  });
  const shared = findSharedDir();
  if (!shared) throw new Error('no ../shared/datasets/lfw found (set FACESHARD_SHARED_DIR)');
  const lfw = path.join(shared, 'datasets', 'lfw');
  const people = parseNames(readFileSync(path.join(lfw, 'lfw-names.txt'), 'utf8'));
  const multi = people.filter((p) => p.photos >= 2).slice(0, values.people ? Number(values.people) : undefined);
  const single = people.filter((p) => p.photos === 1);
  const distractors = single.slice(0, Number(values.distractors));
  const meanPeople = single.slice(distractors.length, distractors.length + Number(values['mean-from']));
  if (meanPeople.length === 0) throw new Error('--mean-from needs one-photo people left after --distractors');

  const config = pipelineConfigFromFlags(values);
  const cache = new EmbeddingCache(values.cache);
  const pipeline = await createInProcessPipeline(config);
  const started = Date.now();
  let done = 0;
  const embed = async (relative: string): Promise<Float32Array | null> => {
    const hit = cache.get(relative);
    if (hit !== undefined) return hit;
    const analysis = await pipeline.analyze(await readFile(path.join(lfw, 'images', relative)));
    const face = pickCenterFace(analysis);
    const value = face ? face.embedding : null;
    cache.set(relative, value);
    if (++done % 250 === 0) {
      process.stderr.write(`gallery-mean-lfw: ${done} photos embedded (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
      cache.save();
    }
    return value;
  };

  const dim = pipeline.recognizer.dimension;
  const galleryRows: Float32Array[] = [];
  const galleryPerson: number[] = [];
  const probeRows: Float32Array[] = [];
  const probePerson: number[] = [];
  let failures = 0;
  try {
    for (let p = 0; p < multi.length; p++) {
      const a = await embed(lfwImagePath(multi[p].name, 1));
      const b = await embed(lfwImagePath(multi[p].name, 2));
      if (!a || !b) {
        failures++;
        continue;
      }
      galleryRows.push(a);
      galleryPerson.push(p);
      probeRows.push(b);
      probePerson.push(p);
    }
    for (let d = 0; d < distractors.length; d++) {
      const v = await embed(lfwImagePath(distractors[d].name, 1));
      if (!v) {
        failures++;
        continue;
      }
      galleryRows.push(v);
      galleryPerson.push(multi.length + d);
    }
    const meanRows: Float32Array[] = [];
    for (const person of meanPeople) {
      const v = await embed(lfwImagePath(person.name, 1));
      if (v) meanRows.push(v);
      else failures++;
    }
    cache.save();

    const gallery = flat(galleryRows, dim);
    const probes = flat(probeRows, dim);
    const truePerson = Int32Array.from(probePerson);
    const galleryMean = meanRow(gallery, dim);
    const heldOutMean = meanRow(flat(meanRows, dim), dim);
    const variants: Record<string, Float64Array | null> = { asIs: null, minusGalleryMean: galleryMean, minusHeldOutMean: heldOutMean };
    const results: Record<string, unknown> = {};
    for (const [name, mean] of Object.entries(variants)) {
      const g = Float32Array.from(gallery);
      const q = Float32Array.from(probes);
      if (mean) {
        subtractMeanAndNormalise(g, mean);
        subtractMeanAndNormalise(q, mean);
      }
      results[name] = score(g, q, dim, Int32Array.from(galleryPerson), truePerson);
    }
    const out = {
      benchmark: 'gallery-mean subtraction on real LFW embeddings (bench/vision/gallery-mean-lfw.ts)',
      detector: pipeline.detector.name,
      recognizer: pipeline.recognizer.name,
      dimension: dim,
      gallery: galleryRows.length,
      probes: probeRows.length,
      distractors: distractors.length,
      heldOutMeanFrom: meanRows.length,
      detectionFailures: failures,
      galleryMeanNorm: Math.hypot(...galleryMean),
      heldOutMeanNorm: Math.hypot(...heldOutMean),
      cosineGalleryVsHeldOutMean: cosine(galleryMean, heldOutMean),
      results,
      seconds: (Date.now() - started) / 1000,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await pipeline.close();
  }
}

/** Rank-1 by exact search, and the same/different-person cosines of probe-vs-gallery pairs. */
function score(gallery: Float32Array, probes: Float32Array, dim: number, galleryPerson: Int32Array, truePerson: Int32Array) {
  const g = { dimension: dim, count: gallery.length / dim, vectors: gallery };
  const q = { dimension: dim, count: probes.length / dim, vectors: probes };
  const top = exactTopK(g, q, 1);
  const found = Int32Array.from(top.indices, (row) => (row < 0 ? -1 : galleryPerson[row]));
  // Each probe against its own person's gallery face (same) and against the next person's (different).
  const rowOfPerson = new Map<number, number>();
  galleryPerson.forEach((person, row) => rowOfPerson.set(person, row));
  const pairs: ScoredPair[] = [];
  const same: number[] = [];
  const different: number[] = [];
  for (let i = 0; i < q.count; i++) {
    const own = rowOfPerson.get(truePerson[i])!;
    const other = (own + 1 + (i % (g.count - 1))) % g.count;
    const s = dotRows(probes, i, gallery, own, dim);
    const d = dotRows(probes, i, gallery, other, dim);
    same.push(s);
    different.push(d);
    pairs.push({ same: true, score: s }, { same: false, score: d });
  }
  return {
    rank1: rank1Rate(found, 1, truePerson),
    sameCosine: meanStd(same),
    differentCosine: meanStd(different),
    verificationAccuracyBestThreshold: bestThreshold(pairs).accuracy,
  };
}

function dotRows(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let x = 0; x < dim; x++) s += a[i * dim + x] * b[j * dim + x];
  return s;
}

function cosine(a: Float64Array, b: Float64Array): number {
  let ab = 0;
  for (let i = 0; i < a.length; i++) ab += a[i] * b[i];
  return ab / (Math.hypot(...a) * Math.hypot(...b));
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
  return { mean, std };
}

function flat(rows: Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(r, i * dim));
  return out;
}

function parseNames(text: string): Person[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts) => parts.length === 2)
    .map(([name, photos]) => ({ name, photos: Number(photos) }));
}

/** Embeddings by photo path in a JSON file, so that re-scoring does not re-run the models. */
class EmbeddingCache {
  private readonly entries = new Map<string, number[] | null>();

  constructor(private readonly file: string | undefined) {
    if (file && existsSync(file)) for (const [k, v] of Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, number[] | null>)) this.entries.set(k, v);
  }

  get(relative: string): Float32Array | null | undefined {
    const v = this.entries.get(relative);
    return v === undefined ? undefined : v === null ? null : Float32Array.from(v);
  }

  set(relative: string, value: Float32Array | null): void {
    this.entries.set(relative, value ? Array.from(value) : null);
  }

  save(): void {
    if (this.file) writeFileSync(this.file, JSON.stringify(Object.fromEntries(this.entries)));
  }
}

main().catch((err) => {
  process.stderr.write(`gallery-mean-lfw failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
