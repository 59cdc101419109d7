/**
 * How the crop is cut, compared on LFW View 1 with everything else fixed (BlazeFace, dlib ResNet
 * by default): detector keypoints vs 68 landmarks, one vs two landmark passes, dlib chip vs 5 points,
 * with and without flip averaging. Every variant's threshold is chosen on pairsDevTrain.txt;
 * CHOOSE BY THE DevTrain COLUMN (DevTest is reported, never used to choose).
 *
 *   npm run build && node dist/bench/vision/alignment-study.js [--train-only] [--limit 400] [--variants 0,2]
 *     [--detector yunet --detector-model m] [--recognizer arcface --recognizer-model m --recognizer-norm imagenet [--compare-norms]]
 *
 * --compare-norms (arcface recognizers): the same crops through the model with both input
 * normalisations, (x - 127.5) / 128 and ImageNet's mean/std, so the choice is made on DevTrain too.
 *
 * JSON on stdout, a table on stderr.
 */
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import {
  alignFace,
  averageUnit,
  createDetector,
  createRecognizer,
  cutFaceCrop,
  decodeImage,
  disagreementWithDetector,
  FaceLandmarker,
  mirrorHorizontally,
  pickCenterFace,
  squareAround,
  squareAroundPoints,
  type Point,
  type RecognizerConfig,
  type RgbImage,
} from '@faceshard/vision';
import { lfwImagePath, parseLfwPairs, type LfwPair } from './lfw-pairs';
import { PIPELINE_FLAG_OPTIONS, pipelineConfigFromFlags } from './pipeline-args';
import { findSharedDir } from './shared-dir';
import { accuracyAt, bestThreshold, rocAuc, unitCosine, type ScoredPair } from './verification-metrics';

interface Variant {
  name: string;
  /** undefined = align on the detector's keypoints. */
  landmarks?: { cropScale: number; refineScale?: number; chip: 'dlib' | 'five' };
}

const VARIANTS: Variant[] = [
  { name: 'detector keypoints' },
  { name: '68 pts, 1 pass (box x1.2), chip', landmarks: { cropScale: 1.2, chip: 'dlib' } },
  // x1.25 around the first pass's points is, on a median LFW face, the same square as x1.2 around BlazeFace's box: pass 2 only re-centres.
  { name: '68 pts, 2 passes (box x1.2, points x1.25), chip', landmarks: { cropScale: 1.2, refineScale: 1.25, chip: 'dlib' } },
  // Tighter landmark crops (is ×1.2 of BlazeFace's box looser than what the net was trained on?).
  { name: '68 pts, 1 pass (box x1.0), chip', landmarks: { cropScale: 1.0, chip: 'dlib' } },
  { name: '68 pts, 2 passes (box x1.2, points x1.05), chip', landmarks: { cropScale: 1.2, refineScale: 1.05, chip: 'dlib' } },
];

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/vision/alignment-study.js', { options: { 'train-only': { type: 'boolean', default: false }, 'compare-norms': { type: 'boolean', default: false }, variants: { type: 'string' }, limit: { type: 'string' }, images: { type: 'string' }, ...PIPELINE_FLAG_OPTIONS } });
  const lfw = path.join(findSharedDir() ?? '', 'datasets', 'lfw');
  const imagesDir = values.images ?? path.join(lfw, 'images');
  const limit = values.limit ? Number(values.limit) : Infinity;
  const take = (pairs: LfwPair[]): LfwPair[] => {
    if (!Number.isFinite(limit)) return pairs;
    // Same number of matched and mismatched pairs.
    return [...pairs.filter((p) => p.same).slice(0, limit / 2), ...pairs.filter((p) => !p.same).slice(0, limit / 2)];
  };
  const train = take(parseLfwPairs(await readFile(path.join(lfw, 'pairsDevTrain.txt'), 'utf8')).flat());
  // --train-only: what the choice needs (and all it may use); DevTest columns then stay empty.
  const test = values['train-only'] ? [] : take(parseLfwPairs(await readFile(path.join(lfw, 'pairsDevTest.txt'), 'utf8')).flat());
  const photos = [...new Set([...train, ...test].flatMap((p) => [lfwImagePath(p.nameA, p.indexA), lfwImagePath(p.nameB, p.indexB)]))];

  const variants = values.variants ? values.variants.split(',').map((i) => VARIANTS[Number(i)]!) : VARIANTS;
  const config = pipelineConfigFromFlags(values);
  const detector = await createDetector(config.detector);
  const recognizerConfigs =
    values['compare-norms'] && config.recognizer?.kind === 'arcface'
      ? (['imagenet', 'arcface'] as const).map((normalisation) => ({ ...config.recognizer!, normalisation }) as RecognizerConfig)
      : [config.recognizer];
  const recognizers = await Promise.all(recognizerConfigs.map((c) => createRecognizer(c)));
  const recognizerLabels = recognizerConfigs.map((c) => (c?.kind === 'arcface' ? `norm ${String(c.normalisation ?? 'arcface')}` : 'in-graph'));
  const recognizer = recognizers[0]!;
  const landmarker = await FaceLandmarker.create({ refine: false });
  const embeddings = recognizers.map(() => variants.map(() => new Map<string, { plain: Float32Array; flip: Float32Array } | null>()));
  const disagreements: number[] = [];
  let failures = 0;
  const started = Date.now();
  try {
    for (const [n, rel] of photos.entries()) {
      const image = await decodeImage(await readFile(path.join(imagesDir, rel)));
      const face = pickCenterFace({ width: image.width, height: image.height, faces: await detector.detect(image) });
      if (!face) {
        failures++;
        embeddings.flat().forEach((m) => m.set(rel, null));
        continue;
      }
      const firstCache = new Map<number, Point[]>();
      const crops: RgbImage[] = [];
      for (const v of variants) {
        if (!v.landmarks) {
          crops.push(alignFace(image, face.landmarks, recognizer.template, recognizer.inputSize));
          continue;
        }
        const { cropScale, refineScale, chip } = v.landmarks;
        let first = firstCache.get(cropScale);
        if (!first) {
          first = (await landmarker.run(image, [squareAround(face.box, cropScale)]))[0]!;
          firstCache.set(cropScale, first);
        }
        const points = refineScale ? (await landmarker.run(image, [squareAroundPoints(first, refineScale)]))[0]! : first;
        if (v === VARIANTS[2]) disagreements.push(disagreementWithDetector(points, face.landmarks));
        // chip 'five': the 5 points derived from the 68 on the recognizer's template, even for dlib.
        crops.push(cutFaceCrop(image, face.landmarks, points, chip === 'dlib' ? recognizer : { ...recognizer, dlibChipPadding: undefined }));
      }
      const batch = [...crops, ...crops.map(mirrorHorizontally)];
      for (const [r, rec] of recognizers.entries()) {
        const vectors = await rec.embed(batch);
        variants.forEach((_, i) => embeddings[r]![i]!.set(rel, { plain: vectors[i]!, flip: averageUnit(vectors[i]!, vectors[i + variants.length]!) }));
      }
      if ((n + 1) % 500 === 0) process.stderr.write(`alignment-study: ${n + 1}/${photos.length} photos\n`);
    }
  } finally {
    await Promise.all([...recognizers.map((r) => r.close()), landmarker.close(), (detector as { close?: () => Promise<void> }).close?.()]);
  }

  const rows = recognizers.flatMap((_, r) => variants.flatMap((v, i) =>
    (['plain', 'flip'] as const).map((mode) => {
      const score = (p: LfwPair): ScoredPair => {
        const a = embeddings[r]![i]!.get(lfwImagePath(p.nameA, p.indexA));
        const b = embeddings[r]![i]!.get(lfwImagePath(p.nameB, p.indexB));
        return { same: p.same, score: a && b ? unitCosine(a[mode], b[mode]) : undefined };
      };
      const tr = train.map(score);
      const te = test.map(score);
      const chosen = bestThreshold(tr);
      return {
        recognizer: recognizerLabels[r],
        // 'chip': dlib's face chip for dlib-trained recognizers, else the template on the 5 points derived from the 68.
        variant: v.name.replace(/chip$/, recognizer.dlibChipPadding !== undefined ? 'dlib chip' : '5 points from the 68'),
        flip: mode === 'flip',
        threshold: chosen.threshold,
        devTrain: chosen.accuracy,
        devTrainAuc: rocAuc(tr),
        devTest: te.length ? accuracyAt(te, chosen.threshold) : null,
        devTestErrors: te.length ? Math.round((1 - accuracyAt(te, chosen.threshold)) * te.length) : null,
        devTrainErrors: Math.round((1 - chosen.accuracy) * tr.length),
      };
    }),
  ));
  const sorted = [...disagreements].sort((a, b) => a - b);
  const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))];
  const result = {
    detector: detector.name,
    recognizer: recognizer.name,
    trainPairs: train.length,
    testPairs: test.length,
    photos: photos.length,
    detectionFailures: failures,
    landmarkDisagreement: { p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1], over05: sorted.filter((d) => d > 0.5).length, over035: sorted.filter((d) => d > 0.35).length },
    loadAverage: os.loadavg(),
    seconds: (Date.now() - started) / 1000,
    rows,
  };
  process.stderr.write(
    ['| recognizer input | variant | flip | DevTrain (chosen) | DevTrain AUC | DevTest | DevTest errors |', '|---|---|---|---|---|---|---|']
      .concat(rows.map((r) => `| ${r.recognizer} | ${r.variant} | ${r.flip ? 'yes' : 'no'} | ${(r.devTrain * 100).toFixed(2)}% | ${r.devTrainAuc.toFixed(4)} | ${r.devTest === null ? '-' : `${(r.devTest * 100).toFixed(2)}%`} | ${r.devTestErrors ?? '-'} |`))
      .join('\n') + '\n',
  );
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}

main().catch((err) => {
  process.stderr.write(`alignment-study failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
