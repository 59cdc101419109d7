/**
 * Calibrates a model's match thresholds to false-match rates and measures its expected accuracy
 * by gallery size, then writes libs/calibration/data/<model>.<detector>.json (shipped with the code).
 *
 *   npm run calibrate -- --model dlib-resnet-v1 | mobilefacenet
 *     [--identify-far 1e-5] [--verify-far 1e-4] [--draws 10] [--seed 1] [--out file] [--limit n] [--workers 2]
 *
 * 1. Every LFW photo (13,233) through the model's pipeline, the face nearest the centre
 *    (cached in .cache/calibration/ by pipeline fingerprint: reruns take seconds).
 * 2. Every pair: ~88 M cross-person (impostor) pairs binned, ~240 k same-person pairs kept;
 *    thresholds for FMR 1e-1..1e-6 in quarter decades, TMR at each.
 * 3. Open-set identification on LFW: people with 2+ photos enrolled by their first photo, their
 *    other photos as mated probes, one-photo people as strangers; galleries of 100..all.
 * 4. The synthetic face model fitted to these embeddings extrapolates to 10^4..10^7.
 * JSON on stdout too; progress and load averages on stderr.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import {
  CALIBRATION_FORMAT,
  averageOverGalleries,
  calibrationPoints,
  expectedFalseMatchProbability,
  openSetScores,
  scoreAllPairs,
  thresholdForFarTarget,
  type GallerySizeAccuracy,
  type ModelCalibration,
} from '@faceshard/calibration';
import { fitEmbeddingStats } from '../data/fit-embedding-stats';
import { SeededRandom } from '../data/prng';
import { findSharedDir } from '../vision/shared-dir';
import { cpuSummary, fileSha256, lfwEmbeddings, listLfwPhotos, loadavg, probeEmbeddingsFile, roundedProbes } from './lfw-embeddings';
import { calibrationPreset } from './model-presets';
import { syntheticFidelity } from './synthetic-fidelity';
import { TAIL_POWERS, chooseTailPower, syntheticAccuracy, syntheticExactGallery, syntheticFmrAt, syntheticProbes, syntheticThresholdForFmr } from './synthetic-gallery';

const LFW_SIZES = [100, 200, 500, 1000];
const SYNTHETIC_SIZES = [1e4, 1e5, 1e6, 1e7];

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('npm run calibrate --', {
    options: {
      model: { type: 'string', default: 'dlib-resnet-v1' },
      'identify-far': { type: 'string', default: '1e-5' },
      'verify-far': { type: 'string', default: '1e-4' },
      draws: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      limit: { type: 'string' },
      pool: { type: 'string', default: '20000' },
      probes: { type: 'string', default: '2000' },
      workers: { type: 'string', default: '1' },
    },
  });
  const log = (s: string) => process.stderr.write(`calibrate: ${s}\n`);
  const shared = findSharedDir();
  if (!shared) throw new Error('no ../shared/datasets/lfw (set FACESHARD_SHARED_DIR)');
  const lfwDir = path.join(shared, 'datasets', 'lfw');
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const preset = calibrationPreset(values.model!, shared);
  const loadBefore = loadavg();
  log(`model ${preset.modelId} + ${preset.detector}; load ${loadBefore}`);
  const started = Date.now();

  const e = await lfwEmbeddings({ preset, lfwDir, repoRoot, limit: values.limit ? Number(values.limit) : undefined, workers: Number(values.workers), log });
  const data = { dimension: e.dimension, vectors: e.vectors, person: e.person };
  log(`${e.photos.length} embeddings (${e.failed.length} photos without a face); scoring all pairs, load ${loadavg()}`);

  const pairStart = Date.now();
  const scores = scoreAllPairs(data);
  const points = calibrationPoints(scores);
  log(`${scores.impostors.total} impostor + ${scores.genuine.length} genuine pairs in ${((Date.now() - pairStart) / 1000).toFixed(1)} s`);

  const identifyFar = Number(values['identify-far']);
  const verifyFar = Number(values['verify-far']);
  const identifyThreshold = round6(thresholdForFarTarget(points, identifyFar));
  const verifyThreshold = round6(thresholdForFarTarget(points, verifyFar));

  // Open-set identification on LFW itself.
  const open = openSetScores(data);
  const random = new SeededRandom(Number(values.seed));
  const draws = Number(values.draws);
  const lfwRows: GallerySizeAccuracy[] = [...LFW_SIZES.filter((n) => n < open.candidates), open.candidates].map((n) => {
    const r = averageOverGalleries(open, n, identifyThreshold, draws, () => random.nextFloat());
    return { ...r, source: 'lfw', fpirPredicted: expectedFalseMatchProbability(identifyFar, n) };
  });
  log(`LFW galleries up to ${open.candidates} people (${open.strangers} strangers) done, load ${loadavg()}`);

  // The synthetic model, fitted to these embeddings, beyond LFW's size.
  const fit = fitEmbeddingStats(data);
  const probeCount = Number(values.probes);
  const options = { threshold: identifyThreshold, fmrAtThreshold: identifyFar, sizes: [...lfwRows.map((r) => r.gallerySize), ...SYNTHETIC_SIZES], matedProbes: probeCount, strangers: probeCount, pool: Number(values.pool), seed: Number(values.seed) };
  const probes = syntheticProbes(fit.stats, options);
  // At the synthetic model's own threshold for the same FMR (see syntheticThresholdForFmr); the
  // raw real threshold's figures are kept beside them in syntheticFit.
  const syntheticThreshold = syntheticThresholdForFmr(probes, identifyFar);
  const synthetic = syntheticAccuracy(probes, { ...options, threshold: syntheticThreshold });
  const atRealThreshold = syntheticAccuracy(probes, options);
  const exactSize = 10_000;
  const exact = syntheticExactGallery(fit.stats, { size: exactSize, matedProbes: 1000, strangers: 1000, threshold: syntheticThreshold, seed: Number(values.seed) + 1 });
  const modelled = syntheticAccuracy(probes, { ...options, threshold: syntheticThreshold, sizes: [exactSize] })[0]!;
  const fidelity = syntheticFidelity(fit.stats, data, scores, { seed: Number(values.seed), threshold: identifyThreshold });
  log(`synthetic model fitted and extrapolated, load ${loadavg()}`);

  const file = values.out ?? path.join(repoRoot, 'libs', 'calibration', 'data', `${preset.modelId}.${preset.detector}.json`);
  const calibration: ModelCalibration = {
    format: CALIBRATION_FORMAT,
    modelId: preset.modelId,
    detector: preset.detector,
    ...(preset.modelFiles.length > 0 ? { modelSha256: fileSha256(preset.modelFiles[0]!) } : {}),
    pipelineFingerprint: e.fingerprint,
    createdAt: new Date().toISOString(),
    command: `npm run calibrate -- --model ${preset.modelId}${values['identify-far'] !== '1e-5' ? ` --identify-far ${values['identify-far']}` : ''}${values['verify-far'] !== '1e-4' ? ` --verify-far ${values['verify-far']}` : ''}`,
    photos: {
      dataset: 'LFW deep-funneled (../shared/datasets/lfw/images), every photo listed in lfw-names.txt',
      rule: 'the face nearest the photo centre, as eval:lfw; photos without a face are left out',
      total: listLfwPhotos(lfwDir).slice(0, values.limit ? Number(values.limit) : undefined).length,
      embedded: e.photos.length,
      withoutFace: e.failed.length,
      people: new Set(e.person).size,
    },
    impostorPairs: scores.impostors.total,
    genuinePairs: scores.genuine.length,
    points,
    defaults: {
      identify: { farTarget: identifyFar, threshold: identifyThreshold },
      verify: { farTarget: verifyFar, threshold: verifyThreshold },
      why:
        'identify (1:N) at FMR 1e-5 per comparison: a stranger then falsely matches someone with probability ~1% in a collection of 1,000 faces and ~10% at 10,000 (1-(1-FMR)^N); ' +
        'verify (1:1) at FMR 1e-4: one false accept in 10,000 impostor attempts. Not the threshold of best LFW accuracy, which sits near FMR 1e-2 and would make 1:N useless.',
    },
    galleryAccuracy: {
      threshold: identifyThreshold,
      farTarget: identifyFar,
      protocol:
        'LFW rows: people with 2+ embedded photos are the candidates (enrolled by their first photo, their other photos are mated probes); people with one photo are the strangers. ' +
        `Galleries smaller than all candidates are ${draws} random draws, averaged. Synthetic rows: the synthetic face model (bench/data/face-embedding-model.ts) fitted to this model's LFW embeddings ` +
        '(bench/data/fit-embedding-stats.ts), each probe scored against a pool of other synthetic people to fit its own normal impostor tail, then rank-1 = mean (1-F(own score))^(N-1), FPIR = mean 1-(1-F(threshold))^N.',
      // The synthetic model at LFW's largest gallery too, beside the measured row: how far to trust its extrapolation.
      sizes: [...lfwRows, ...synthetic.filter((r) => r.gallerySize === open.candidates || r.gallerySize >= 10_000)],
      syntheticFit: {
        method: 'moments: mean of person means; pooled within-person covariance; between = covariance of person means minus mean(1/n)·within, floored to positive definite; log-normal scale σ from the spread of log residual lengths',
        people: fit.people,
        peopleWithSeveralPhotos: fit.peopleWithSeveral,
        sampleScaleSigma: round6(fit.stats.sampleScaleSigma),
        traceBetween: round6(fit.traceBetween),
        traceWithin: round6(fit.traceWithin),
        clampedBetweenEigenvalues: fit.clampedBetweenEigenvalues,
        cosineMoments: fidelity,
        syntheticThresholdAtSameFmr: round6(syntheticThreshold),
        syntheticFmrAtRealThreshold: Number(syntheticFmrAt(probes, identifyThreshold).toPrecision(3)),
        tailPower: TAIL_POWERS[probes.power],
        tailChecks: chooseTailPower(probes).checks,
        atLfwSizes: synthetic.filter((r) => r.gallerySize < 10_000).map(pick),
        atRealThreshold: atRealThreshold.map(pick),
        exactGalleryCheck: { gallerySize: exactSize, exact: mapValues(exact, round4), fittedTails: pick(modelled) },
        poolPerProbe: options.pool,
        matedProbes: probeCount,
        strangers: probeCount,
      },
    },
  };
  for (const row of calibration.galleryAccuracy!.sizes) roundRow(row);
  writeFileSync(file, JSON.stringify(calibration, null, 2) + '\n');
  // What test/vision/calibration-fingerprint.test.ts compares today's pipeline with.
  const probesFile = values.out ? values.out.replace(/(\.json)?$/, '.probes.json') : probeEmbeddingsFile(repoRoot, preset.modelId, preset.detector);
  writeFileSync(probesFile, JSON.stringify({ modelId: preset.modelId, detector: preset.detector, pipelineFingerprint: e.fingerprint, recordedOn: cpuSummary(), probes: roundedProbes(e.probes) }, null, 1) + '\n');
  log(`wrote ${path.relative(process.cwd(), file)} in ${((Date.now() - started) / 1000).toFixed(0)} s; load before ${loadBefore}, after ${loadavg()}`);
  process.stdout.write(JSON.stringify({ ...calibration, loadBefore, loadAfter: loadavg(), photosPerSecond: e.photosPerSecond ?? 'cached' }, null, 2) + '\n');
}

function pick(r: GallerySizeAccuracy) {
  return { gallerySize: r.gallerySize, rank1: round4(r.rank1), tpir: round4(r.tpir), fpir: Number(r.fpir.toPrecision(3)) };
}

function roundRow(r: GallerySizeAccuracy): void {
  r.rank1 = round4(r.rank1);
  r.tpir = round4(r.tpir);
  r.fpir = Number(r.fpir.toPrecision(3));
  r.fpirPredicted = Number(r.fpirPredicted.toPrecision(3));
}

function mapValues<T extends Record<string, number>>(o: T, f: (v: number) => number): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)])) as T;
}

const round4 = (v: number) => Math.round(v * 1e4) / 1e4;
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

main().catch((err) => {
  process.stderr.write(`calibrate failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
