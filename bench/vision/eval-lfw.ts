/**
 * LFW verification accuracy of the whole pipeline, from the JPEG files (detection included).
 *
 *   npm run eval:lfw -- --images <lfw/images> --pairs <pairsDevTest.txt> [--train-pairs <pairsDevTrain.txt>]
 *     [--detector blazeface|yunet --detector-model path] [--recognizer dlib|arcface|fused --recognizer-model path
 *     --recognizer-norm arcface|imagenet [--fusion-weight w]] [--landmarks face-api-68|none] [--landmark-passes 1|2] [--flip]
 *     [--threshold-on-test-pairs]
 *
 * Per photo: the face nearest the centre. A pair with a photo that yields no face is WRONG.
 * Threshold (LFW protocol: never chosen on the pairs it is scored on):
 * - View 1 (one-fold --pairs): chosen on --train-pairs, by default pairsDevTrain.txt next to the
 *   --pairs file; accuracy on --pairs with its binomial standard error. Also `bothSplitsSwapped`:
 *   errors over both files, each scored at the threshold chosen on the other (View 1: all 3,200
 *   pairs; the figure of ../shared/design/vision-models.md's alignment study).
 * - View 2 (10-fold --pairs, no --train-pairs): 10-fold cross-validation; mean, sample standard
 *   deviation over folds and standard error (std / sqrt(10)).
 * - --threshold-on-test-pairs: the best threshold on the scored pairs themselves. Optimistic, and
 *   labelled so in the output; only for comparing with figures made that way.
 * JSON result on stdout, progress on stderr.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import { arcfaceMemberOf, BLAZEFACE_PAD_RATIO, createInProcessPipeline, pickCenterFace, type FacePipeline } from '@faceshard/vision';
import { lfwImagePath, parseLfwPairs, type LfwPair } from './lfw-pairs';
import { PIPELINE_FLAG_OPTIONS, pipelineConfigFromFlags } from './pipeline-args';
import { findSharedDir } from './shared-dir';
import { accuracyAt, bestThreshold, binomialStandardError, crossValidatedAccuracy, rocAuc, swappedSplitErrors, tarAtFar, unitCosine, type ScoredPair } from './verification-metrics';

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('npm run eval:lfw --', {
    options: {
      images: { type: 'string' },
      pairs: { type: 'string' },
      'train-pairs': { type: 'string' },
      flip: { type: 'boolean', default: false },
      'threshold-on-test-pairs': { type: 'boolean', default: false },
      ...PIPELINE_FLAG_OPTIONS,
    },
  });
  const shared = findSharedDir();
  const lfw = shared ? path.join(shared, 'datasets', 'lfw') : undefined;
  const images = values.images ?? (lfw && path.join(lfw, 'images'));
  const pairsFile = values.pairs ?? (lfw && path.join(lfw, 'pairsDevTest.txt'));
  if (!images || !pairsFile) throw new Error('--images and --pairs are required (no ../shared/datasets/lfw found)');
  const testFolds = parseLfwPairs(await readFile(pairsFile, 'utf8'));
  const onTest = values['threshold-on-test-pairs'];
  const trainFile = values['train-pairs'] ?? (testFolds.length === 1 && !onTest ? devTrainBeside(pairsFile) : undefined);
  if (testFolds.length === 1 && !trainFile && !onTest) {
    throw new Error(`${pairsFile} is one split (View 1): give --train-pairs <pairsDevTrain.txt> (or, optimistic and labelled, --threshold-on-test-pairs)`);
  }
  if (onTest && values['train-pairs']) throw new Error('--threshold-on-test-pairs and --train-pairs exclude each other');
  const trainFolds = trainFile && !onTest ? parseLfwPairs(await readFile(trainFile, 'utf8')) : undefined;

  const config = pipelineConfigFromFlags(values);
  const pipeline = await createInProcessPipeline(config);
  const started = Date.now();
  try {
    const embedder = new CachedEmbedder(pipeline, images, values.flip);
    const score = async (p: LfwPair): Promise<ScoredPair> => {
      const a = await embedder.embedding(lfwImagePath(p.nameA, p.indexA));
      const b = await embedder.embedding(lfwImagePath(p.nameB, p.indexB));
      return { same: p.same, score: a && b ? unitCosine(a, b) : undefined };
    };
    const scoreAll = async (folds: LfwPair[][]): Promise<ScoredPair[][]> => {
      const out: ScoredPair[][] = [];
      for (const fold of folds) {
        const scored: ScoredPair[] = [];
        for (const p of fold) scored.push(await score(p));
        out.push(scored);
      }
      return out;
    };
    const train = trainFolds ? (await scoreAll(trainFolds)).flat() : undefined;
    const testScored = await scoreAll(testFolds);
    const test = testScored.flat();

    const byoRecognizer = arcfaceMemberOf(config.recognizer);
    const result: Record<string, unknown> = {
      detector: pipeline.detector.name,
      recognizer: pipeline.recognizer.name,
      recognizerNormalisation: byoRecognizer ? (byoRecognizer.normalisation ?? 'arcface') : 'in-graph',
      // --recognizer fused: each member's weight (dlib first).
      fusion: config.recognizer?.kind === 'fused' ? config.recognizer.members.map((m) => ({ recognizer: m.recognizer.kind, weight: m.weight })) : null,
      flip: values.flip,
      landmarks: pipeline.landmarker ? `${pipeline.landmarker.name}, ${pipeline.landmarker.options.refine ? 2 : 1} pass(es)` : 'none (detector keypoints)',
      blazefacePad: config.detector?.kind === 'blazeface' ? (config.detector.padRatio ?? BLAZEFACE_PAD_RATIO) : null,
      pairsFile: path.basename(pairsFile),
      trainPairsFile: trainFolds && trainFile ? path.basename(trainFile) : null,
      pairs: test.length,
    };
    if (train) {
      const chosen = bestThreshold(train);
      result.protocol = `threshold chosen on ${path.basename(trainFile!)}, accuracy on ${path.basename(pairsFile)}`;
      result.threshold = chosen.threshold;
      result.trainAccuracy = chosen.accuracy;
      result.accuracy = accuracyAt(test, chosen.threshold);
      result.errors = Math.round((1 - (result.accuracy as number)) * test.length);
      result.standardError = binomialStandardError(result.accuracy as number, test.length);
      result.standardErrorKind = 'binomial sqrt(p(1-p)/n): one test split, no folds';
      // Every pair of both splits, each split at the other's threshold: less luck of one split than `errors`.
      result.bothSplitsSwapped = { ...swappedSplitErrors(train, test), protocol: `${path.basename(pairsFile)} at the threshold chosen on ${path.basename(trainFile!)}, and the reverse` };
    } else if (!onTest) {
      const cv = crossValidatedAccuracy(testScored);
      result.protocol = `${testFolds.length}-fold cross-validation`;
      result.accuracy = cv.mean;
      result.accuracyStd = cv.std;
      result.standardError = cv.standardError;
      result.standardErrorKind = 'sample std over folds / sqrt(folds)';
      result.perFoldAccuracy = cv.perFold;
      result.threshold = cv.thresholds.reduce((a, b) => a + b, 0) / cv.thresholds.length;
    } else {
      const best = bestThreshold(test);
      result.protocol = 'OPTIMISTIC: best threshold chosen on the test pairs themselves (--threshold-on-test-pairs)';
      result.threshold = best.threshold;
      result.accuracy = best.accuracy;
    }
    result.recognizerDefaultThreshold = pipeline.recognizer.defaultThreshold;
    result.accuracyAtDefaultThreshold = accuracyAt(test, pipeline.recognizer.defaultThreshold);
    result.rocAuc = rocAuc(test);
    const tar = tarAtFar(test, 1e-3);
    result.tarAtFar1e3 = tar.tar;
    result.tarAtFar1e3Threshold = tar.threshold;
    result.impostorPairs = tar.impostors;
    result.imagesProcessed = embedder.processed;
    result.detectionFailures = embedder.failures.length;
    // Faces the landmark net could not place (its points disagreed with the detector's): aligned on the detector's keypoints.
    result.alignmentFallbacks = pipeline.landmarker ? embedder.detectorAligned.length : null;
    result.alignmentFallbackImages = pipeline.landmarker ? embedder.detectorAligned : null;
    result.detectionFailureImages = embedder.failures;
    result.pairsWithFailedDetection = test.filter((p) => p.score === undefined).length + (train?.filter((p) => p.score === undefined).length ?? 0);
    result.seconds = (Date.now() - started) / 1000;
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    await pipeline.close();
  }
}

/** One pipeline run per photo per process: pairs reuse photos a lot. */
class CachedEmbedder {
  private readonly cache = new Map<string, Float32Array | null>();
  readonly failures: string[] = [];
  readonly detectorAligned: string[] = [];
  processed = 0;

  constructor(
    private readonly pipeline: FacePipeline,
    private readonly imagesDir: string,
    private readonly flip: boolean,
  ) {}

  async embedding(relative: string): Promise<Float32Array | null> {
    const cached = this.cache.get(relative);
    if (cached !== undefined) return cached;
    const analysis = await this.pipeline.analyze(await readFile(path.join(this.imagesDir, relative)), { flip: this.flip });
    const face = pickCenterFace(analysis);
    const value = face ? face.embedding : null;
    if (!face) this.failures.push(relative);
    else if (face.alignedBy === 'detector') this.detectorAligned.push(relative);
    this.cache.set(relative, value);
    if (++this.processed % 500 === 0) process.stderr.write(`eval-lfw: ${this.processed} photos\n`);
    return value;
  }
}

/** View 1's pairsDevTrain.txt in the folder of the given pairs file, unless that is the file itself. */
function devTrainBeside(pairsFile: string): string | undefined {
  const candidate = path.join(path.dirname(pairsFile), 'pairsDevTrain.txt');
  return existsSync(candidate) && path.resolve(candidate) !== path.resolve(pairsFile) ? candidate : undefined;
}

main().catch((err) => {
  process.stderr.write(`eval-lfw failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
