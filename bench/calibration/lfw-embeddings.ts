import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { createInProcessPipeline, createPipelineFromConfig, MAX_LANDMARK_DISAGREEMENT, pickCenterFace, type FaceAnalyzer } from '@faceshard/vision';
import type { CalibrationPreset } from './model-presets';
import type { ProbeEmbedding } from './probe-drift';

/** Every LFW photo's embedding (the face nearest the centre), grouped by person. */
export interface LfwEmbeddings {
  modelId: string;
  detector: string;
  /** Digest of the embeddings of a few fixed photos, the preset and model files: see fingerprintOf(). */
  fingerprint: string;
  /** This machine's embeddings of the probe photos (embedProbePhotos). */
  probes: ProbeEmbedding[];
  dimension: number;
  /** One row per photo that yielded a face. */
  photos: string[];
  /** Index of the person of each row (into `people`). */
  person: Int32Array;
  people: string[];
  vectors: Float32Array;
  /** Photos where the detector found no face (left out of every figure). */
  failed: string[];
  /** Photos per second when embedded (absent when read from the cache). */
  photosPerSecond?: number;
}

/** All photos of lfw-names.txt in its order: images/<Name>/<Name>_NNNN.jpg. */
export function listLfwPhotos(lfwDir: string): { name: string; file: string }[] {
  const lines = readFileSync(path.join(lfwDir, 'lfw-names.txt'), 'utf8').split('\n');
  const out: { name: string; file: string }[] = [];
  for (const line of lines) {
    const [name, count] = line.trim().split(/\s+/);
    if (!name || !count) continue;
    for (let i = 1; i <= Number(count); i++) out.push({ name, file: `${name}/${name}_${String(i).padStart(4, '0')}.jpg` });
  }
  return out;
}

/** Photos whose embeddings stand for the pipeline's behaviour (spread over lfw-names.txt). */
const PROBE_PHOTOS = 8;

/**
 * The embeddings of a few fixed LFW photos (spread over lfw-names.txt): what a
 * calibration records of the pipeline it was made with (bench/calibration/probe-embeddings/), and
 * what test/vision/calibration-fingerprint.test.ts compares today's pipeline with (probe-drift.ts).
 */
export async function embedProbePhotos(pipeline: FaceAnalyzer, lfwDir: string): Promise<ProbeEmbedding[]> {
  const all = listLfwPhotos(lfwDir);
  const probes: ProbeEmbedding[] = [];
  for (let i = 0; i < PROBE_PHOTOS; i++) {
    const { file } = all[Math.floor((i * all.length) / PROBE_PHOTOS)]!;
    const face = pickCenterFace(await pipeline.analyze(await readFile(path.join(lfwDir, 'images', file)), { onQualityFailure: 'mark' }));
    probes.push({ photo: file, embedding: face ? Array.from(face.embedding) : null });
  }
  return probes;
}

/** Probes as a file keeps them: 1e-7 is far below what tells two pipelines apart (PROBE_TOLERANCE). */
export function roundedProbes(probes: ProbeEmbedding[]): ProbeEmbedding[] {
  return probes.map(({ photo, embedding }) => ({ photo, embedding: embedding && embedding.map((v) => Math.round(v * 1e7) / 1e7) }));
}

/** Where `npm run calibrate` keeps the probe embeddings of a shipped calibration. */
export function probeEmbeddingsFile(repoRoot: string, modelId: string, detector: string): string {
  return path.join(repoRoot, 'bench', 'calibration', 'probe-embeddings', `${modelId}.${detector}.json`);
}

/**
 * A cache key for this machine's embeddings: the probe embeddings (rounded to 1e-4) with the preset
 * and the model files' digests. Any change that moves an embedding (alignment, landmarks, detector
 * decoding, a model, the landmark fallback rule) changes it; a change that does not (metrics, worker plumbing) keeps the cache
 * valid. Not comparable across machines (the 1e-4 rounding meets CPU-kernel noise now and then):
 * the shipped calibrations are checked against their probe embeddings with a tolerance instead.
 */
export function fingerprintOf(preset: CalibrationPreset, probes: ProbeEmbedding[]): string {
  const hash = createHash('sha256');
  // Model files by name only: their bytes are hashed below, and where ../shared sits on this
  // machine (a clone elsewhere, FACESHARD_SHARED_DIR) is not part of the pipeline.
  hash.update(JSON.stringify(preset.config, (key, value: unknown) => (key === 'modelPath' && typeof value === 'string' ? path.basename(value) : value)));
  for (const file of preset.modelFiles) hash.update(fileSha256(file));
  // Rules in code that move only some photos' embeddings, none of the probes' (the landmark
  // fallback touches ~1 photo in 5,000): the probes alone would not see them change.
  hash.update(`landmark-fallback:${MAX_LANDMARK_DISAGREEMENT}`);
  for (const { photo, embedding } of probes) {
    hash.update(photo);
    hash.update(embedding ? embedding.map((v) => Math.round(v * 1e4)).join(',') : 'none');
  }
  return hash.digest('hex').slice(0, 16);
}

export function fileSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Embeds every LFW photo with the preset's pipeline, in this thread by default (one core: the
 * machine is shared) or on `workers` worker threads, or reads them from .cache/calibration/ when
 * this fingerprint was embedded before.
 */
export async function lfwEmbeddings(options: { preset: CalibrationPreset; lfwDir: string; repoRoot: string; limit?: number; workers?: number; log: (s: string) => void }): Promise<LfwEmbeddings> {
  const { preset, lfwDir, repoRoot, log } = options;
  const workers = options.workers ?? 1;
  const pipeline: FaceAnalyzer =
    workers > 1
      ? await createPipelineFromConfig({ ...preset.config, limits: { maxConcurrent: workers, maxQueued: 4 * workers } })
      : await createInProcessPipeline({ ...preset.config, limits: { maxConcurrent: 1 } });
  try {
    const probes = await embedProbePhotos(pipeline, lfwDir);
    const fingerprint = fingerprintOf(preset, probes);
    const cacheDir = path.join(repoRoot, '.cache', 'calibration');
    const base = path.join(cacheDir, `${preset.modelId}.${preset.detector}.${fingerprint}${options.limit ? `.first${options.limit}` : ''}`);
    if (existsSync(`${base}.json`) && existsSync(`${base}.f32`)) {
      const meta = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
      const raw = readFileSync(`${base}.f32`);
      log(`embeddings from the cache: ${base}.json`);
      return { ...meta, probes, photosPerSecond: undefined, person: Int32Array.from(meta.person), vectors: new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4).slice() };
    }
    const all = listLfwPhotos(lfwDir).slice(0, options.limit);
    const started = Date.now();
    const rows: Float32Array[] = [];
    const photos: string[] = [];
    const person: number[] = [];
    const people: string[] = [];
    const failed: string[] = [];
    // The gateway's options: every face marked (not filtered) by quality, no flip. `workers` photos in flight, kept in list order.
    const embedded: (Float32Array | null)[] = new Array(all.length);
    let next = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < all.length) {
          const i = next++;
          const analysis = await pipeline.analyze(await readFile(path.join(lfwDir, 'images', all[i]!.file)), { onQualityFailure: 'mark' });
          embedded[i] = pickCenterFace(analysis)?.embedding ?? null;
          if (++done % 500 === 0) log(`embedded ${done}/${all.length} (${((done * 1000) / (Date.now() - started)).toFixed(1)} photos/s, load ${loadavg()})`);
        }
      }),
    );
    all.forEach(({ name, file }, i) => {
      if (people[people.length - 1] !== name) people.push(name);
      const embedding = embedded[i];
      if (embedding) {
        rows.push(embedding);
        photos.push(file);
        person.push(people.length - 1);
      } else failed.push(file);
    });
    const dimension = pipeline.recognizerInfo.dimension;
    const vectors = new Float32Array(rows.length * dimension);
    rows.forEach((r, i) => vectors.set(r, i * dimension));
    const photosPerSecond = Math.round((all.length * 10_000) / (Date.now() - started)) / 10;
    const result: LfwEmbeddings = { modelId: preset.modelId, detector: preset.detector, fingerprint, probes, dimension, photos, person: Int32Array.from(person), people, vectors, failed, photosPerSecond };
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(`${base}.f32`, Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    writeFileSync(`${base}.json`, JSON.stringify({ ...result, vectors: undefined, person: Array.from(result.person) }));
    return result;
  } finally {
    await pipeline.close();
  }
}

/** The CPU and the vector instructions onnxruntime can choose kernels by: embeddings differ slightly between them. */
export function cpuSummary(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const model = /model name\s*:\s*(.*)/.exec(info)?.[1] ?? 'unknown CPU';
    const flags = new Set((/flags\s*:\s*(.*)/.exec(info)?.[1] ?? '').split(' '));
    return `${model}; ${['avx', 'avx2', 'avx512f'].map((f) => `${f} ${flags.has(f) ? 'yes' : 'no'}`).join(', ')}`;
  } catch {
    return 'n/a';
  }
}

export function loadavg(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
}
