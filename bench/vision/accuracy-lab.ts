/**
 * Crop variants compared on LFW View 1 DevTrain, with detections, landmarks and embeddings (plain
 * and of the mirrored crop) cached on disk per variant: a variant costs one pass over the 4,992
 * photos once, then seconds. CHOOSE BY THE DevTrain COLUMNS; --test adds DevTest (to report a
 * chosen variant, never to choose).
 *
 *   node dist/bench/vision/accuracy-lab.js --variants '<points>|<chip>,...' [--all-pairs] [--test]
 *     [--cache /tmp/accuracy-lab] [detector/recognizer flags as eval:lfw]
 *
 * <points>: 'det' (the detector's keypoints) or 's<k>' one landmark pass on the detector box's
 *   square x k, optional 'f' (mirror-averaged: the net on the crop and its mirror, points averaged),
 *   optional 'dy<f>' (first square moved down by f of its side), optional '+r<k>[f]' (a second pass
 *   on the square around the first pass's points x k).
 * <chip>: 'cur' (the library's dlib chip), 'dlib' (dlib's chip_details geometry exactly: rect side
 *   size*scale-1 centred on T(size/2)), 'pad<p>' (dlib chip with padding p), 'five' (the
 *   recognizer's 5-point template on the 5 points from the 68), 'five33' (same, nose = mean of
 *   points 30 and 33), 'det' (template on the detector's keypoints).
 * --fallback <t,...>: for each landmark variant, also score the pipeline's fallback rule at each
 *   threshold t (eye distances; 'inf' = never): a photo whose 68 points land more than t from the
 *   detector's keypoints (disagreementWithDetector) takes the 'det|det' crop's embedding instead.
 * --all-pairs: every pair among DevTrain's 3,443 photos (its people only; ~2,200 same-person pairs,
 *   ~5.9 M impostors): false non-match rate at false-match rates 1e-3 and 1e-4, a far less noisy
 *   figure than 2,200 pairs' error count.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import {
  alignFace,
  applySimilarity,
  averageUnit,
  createDetector,
  createRecognizer,
  decodeImage,
  disagreementWithDetector,
  dlibChipTransform,
  FaceLandmarker,
  fivePointsFrom68,
  LANDMARK68_INPUT_SIZE,
  mirrorHorizontally,
  pickCenterFace,
  squareAround,
  squareAroundPoints,
  warpSimilarityAntialiased,
  type FaceRecognizer,
  type Point,
  type RgbImage,
  type Similarity,
} from '@faceshard/vision';
import { labDetectionsFile, labDetectorKey, labEmbeddingsFile, labPointsFile, labRecognizerKey, readF32, readPoints, viewOnePhotos, type LabDetection } from './lab-cache';
import { lfwImagePath, type LfwPair } from './lfw-pairs';
import { PIPELINE_FLAG_OPTIONS, pipelineConfigFromFlags } from './pipeline-args';
import { findSharedDir } from './shared-dir';
import { accuracyAt, bestThreshold, rocAuc, unitCosine, type ScoredPair } from './verification-metrics';

/** Index of each iBUG-68 point's mirror image (jaw, brows, nostrils, eyes and lips swap sides). */
const MIRROR68 = (() => {
  const m = Array.from({ length: 68 }, (_, i) => i);
  const swap = (a: number, b: number) => {
    m[a] = b;
    m[b] = a;
  };
  for (let i = 0; i <= 7; i++) swap(i, 16 - i);
  for (let i = 0; i < 5; i++) swap(17 + i, 26 - i);
  swap(31, 35);
  swap(32, 34);
  [[36, 45], [37, 44], [38, 43], [39, 42], [40, 47], [41, 46], [48, 54], [49, 53], [50, 52], [55, 59], [56, 58], [60, 64], [61, 63], [65, 67]].forEach(([a, b]) => swap(a!, b!));
  return m;
})();

type Det = LabDetection;

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/vision/accuracy-lab.js', { options: { variants: { type: 'string' }, test: { type: 'boolean', default: false }, 'all-pairs': { type: 'boolean', default: false }, cache: { type: 'string', default: '/tmp/accuracy-lab' }, fallback: { type: 'string' }, ...PIPELINE_FLAG_OPTIONS } });
  const lfw = path.join(findSharedDir() ?? '', 'datasets', 'lfw');
  const { train, test, photos, index } = await viewOnePhotos(lfw);
  const config = pipelineConfigFromFlags(values);
  const detKey = labDetectorKey(values.detector, values['blazeface-pad']);
  const recKey = labRecognizerKey(values.recognizer, values['recognizer-norm']);
  const dir = values.cache!;
  mkdirSync(dir, { recursive: true });
  const fallbacks = values.fallback ? values.fallback.split(',').map((t) => (t === 'inf' ? Infinity : Number(t))) : [];
  const variants = (values.variants ?? 's1.2|cur').split(',');
  if (fallbacks.length && !variants.includes('det|det')) variants.push('det|det');

  // Detections.
  const detFile = labDetectionsFile(dir, detKey);
  const dets: Array<Det | null> | null = existsSync(detFile) ? JSON.parse(readFileSync(detFile, 'utf8')) : null;
  const pointKeys = [...new Set(variants.map((v) => v.split('|')[0]!))];
  const pointsFile = (k: string) => labPointsFile(dir, detKey, k);
  const points = new Map<string, Float32Array>();
  for (const k of pointKeys) if (k !== 'det' && existsSync(pointsFile(k))) points.set(k, readF32(pointsFile(k)));
  const embFile = (v: string) => labEmbeddingsFile(dir, detKey, recKey, v);
  const emb = new Map<string, Float32Array>();
  for (const v of variants) if (existsSync(embFile(v))) emb.set(v, readF32(embFile(v)));

  const needWork = !dets || pointKeys.some((k) => k !== 'det' && !points.has(k)) || variants.some((v) => !emb.has(v));
  let recognizer: FaceRecognizer | undefined;
  if (needWork) {
    const detector = dets ? undefined : await createDetector(config.detector);
    recognizer = await createRecognizer(config.recognizer);
    const landmarker = await FaceLandmarker.create({ refine: false });
    const D = recognizer.dimension;
    const newDets: Array<Det | null> = dets ?? [];
    for (const k of pointKeys) if (k !== 'det' && !points.has(k)) points.set(k, new Float32Array(photos.length * 136).fill(NaN));
    const todoPts = pointKeys.filter((k) => k !== 'det' && !existsSync(pointsFile(k)));
    const todoEmb = variants.filter((v) => !emb.has(v));
    for (const v of todoEmb) emb.set(v, new Float32Array(photos.length * D * 2).fill(NaN));
    const started = Date.now();
    for (const [n, rel] of photos.entries()) {
      const image = await decodeImage(await readFile(path.join(lfw, 'images', rel)));
      let det = dets ? dets[n]! : null;
      if (!dets) {
        const face = pickCenterFace({ width: image.width, height: image.height, faces: await detector!.detect(image) });
        det = face ? { box: face.box, landmarks: face.landmarks } : null;
        newDets.push(det);
      }
      if (!det) continue;
      for (const k of todoPts) {
        const p = await locate(landmarker, image, det, k);
        const arr = points.get(k)!;
        p.forEach((q, i) => {
          arr[n * 136 + 2 * i] = q.x;
          arr[n * 136 + 2 * i + 1] = q.y;
        });
      }
      if (todoEmb.length) {
        const crops = todoEmb.map((v) => {
          const [pk, chip] = v.split('|') as [string, string];
          const p68 = pk === 'det' ? undefined : readPoints(points.get(pk)!, n);
          return cut(image, det!, p68, chip, recognizer!);
        });
        const vecs = await recognizer.embed([...crops, ...crops.map(mirrorHorizontally)]);
        todoEmb.forEach((v, i) => {
          const arr = emb.get(v)!;
          arr.set(vecs[i]!, n * D * 2);
          arr.set(vecs[i + todoEmb.length]!, n * D * 2 + D);
        });
      }
      if ((n + 1) % 1000 === 0) process.stderr.write(`lab: ${n + 1}/${photos.length} ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    }
    if (!dets) writeFileSync(detFile, JSON.stringify(newDets));
    for (const k of todoPts) writeFileSync(pointsFile(k), Buffer.from(points.get(k)!.buffer));
    for (const v of todoEmb) writeFileSync(embFile(v), Buffer.from(emb.get(v)!.buffer));
    await landmarker.close();
    await recognizer.close();
    await (detector as { close?: () => Promise<void> } | undefined)?.close?.();
  }
  const detsNow: Array<Det | null> = JSON.parse(readFileSync(detFile, 'utf8'));
  const D = emb.get(variants[0]!)!.length / photos.length / 2;

  // Each row: a variant, or a variant with the pipeline's fallback rule at threshold t ('v~t').
  const rowKeys = [...variants];
  for (const v of variants) if (!v.startsWith('det|')) for (const t of fallbacks) rowKeys.push(`${v}~${t}`);
  const rows: string[] = [];
  for (const key of rowKeys) {
    const [v, t] = key.split('~') as [string, string | undefined];
    const limit = t === undefined ? undefined : Number(t);
    const own = emb.get(v)!;
    const fallbackTaken = (n: number): boolean => {
      if (limit === undefined) return false;
      const d = disagreementWithDetector(readPoints(points.get(v.split('|')[0]!)!, n), detsNow[n]!.landmarks);
      return !(d <= limit);
    };
    let taken = 0;
    if (limit !== undefined) for (let n = 0; n < photos.length; n++) if (detsNow[n] && fallbackTaken(n)) taken++;
    for (const mode of ['plain', 'flip'] as const) {
      const vec = (n: number): Float32Array | undefined => {
        if (!detsNow[n]) return undefined;
        const arr = fallbackTaken(n) ? emb.get('det|det')! : own;
        const a = arr.subarray(n * D * 2, n * D * 2 + D);
        if (mode === 'plain') return a;
        return averageUnit(a, arr.subarray(n * D * 2 + D, n * D * 2 + 2 * D));
      };
      const score = (p: LfwPair): ScoredPair => {
        const a = vec(index.get(lfwImagePath(p.nameA, p.indexA))!);
        const b = vec(index.get(lfwImagePath(p.nameB, p.indexB))!);
        return { same: p.same, score: a && b ? unitCosine(a, b) : undefined };
      };
      const tr = train.map(score);
      const chosen = bestThreshold(tr);
      const trErr = Math.round((1 - chosen.accuracy) * tr.length);
      let extra = '';
      if (values['all-pairs']) extra = ' | ' + allPairsMetrics(photos, train, vec);
      let testCol = '';
      if (values.test) {
        const te = test.map(score);
        const acc = accuracyAt(te, chosen.threshold);
        testCol = ` | DevTest ${(acc * 100).toFixed(2)}% (${Math.round((1 - acc) * te.length)} err)`;
      }
      rows.push(`| ${key}${limit === undefined ? '' : ` (${taken} photos fall back)`} | ${mode} | ${trErr} | ${(chosen.accuracy * 100).toFixed(2)}% | ${rocAuc(tr).toFixed(5)} | ${chosen.threshold.toFixed(4)}${extra}${testCol} |`);
    }
  }
  process.stdout.write(`${detKey} ${recKey} load ${os.loadavg()[0]!.toFixed(2)}\n| variant | emb | DevTrain errors | DevTrain | AUC | thr |\n` + rows.join('\n') + '\n');
}

/** Lower-variance DevTrain-only check: every pair among DevTrain photos (people of DevTrain only). */
function allPairsMetrics(photos: string[], train: LfwPair[], vec: (n: number) => Float32Array | undefined): string {
  const set = [...new Set(train.flatMap((p) => [lfwImagePath(p.nameA, p.indexA), lfwImagePath(p.nameB, p.indexB)]))];
  const idx = new Map(photos.map((p, i) => [p, i]));
  const who = set.map((p) => p.split('/')[0]!);
  const vs = set.map((p) => vec(idx.get(p)!));
  const gen: number[] = [];
  const imp: number[] = [];
  for (let i = 0; i < set.length; i++) {
    const a = vs[i];
    if (!a) continue;
    for (let j = i + 1; j < set.length; j++) {
      const b = vs[j];
      if (!b) continue;
      let s = 0;
      for (let k = 0; k < a.length; k++) s += a[k]! * b[k]!;
      (who[i] === who[j] ? gen : imp).push(s);
    }
  }
  imp.sort((x, y) => y - x);
  const fnmrAt = (far: number) => {
    const t = imp[Math.floor(far * imp.length)]!;
    return gen.filter((g) => g <= t).length / gen.length;
  };
  return `gen ${gen.length} FNMR@1e-3 ${(fnmrAt(1e-3) * 100).toFixed(2)}% @1e-4 ${(fnmrAt(1e-4) * 100).toFixed(2)}%`;
}

/** Mirrored crop's net output mapped back to image points (pixel u of a mirror shows pixel S-1-u). */
async function locateFlipAveraged(landmarker: FaceLandmarker, image: RgbImage, region: { x: number; y: number; side: number }): Promise<Point[]> {
  const S = LANDMARK68_INPUT_SIZE;
  const k = region.side / S;
  const crop = warpSimilarityAntialiased(image, { a: k, b: 0, tx: region.x, ty: region.y }, S);
  const [plain, mirrored] = await landmarker.runCrops([crop, mirrorHorizontally(crop)], [region, region]);
  return plain!.map((p, i) => {
    const m = mirrored![MIRROR68[i]!]!;
    // m.x = region.x + f * side; in input pixels f*S; true input pixel = S - 1 - f*S.
    const fx = (m.x - region.x) / k;
    const tx = region.x + (S - 1 - fx) * k;
    return { x: (p.x + tx) / 2, y: (p.y + m.y) / 2 };
  });
}

/**
 * Point-variant keys: 's<scale>' one pass on the detector box; '+r<scale>' a second pass around the
 * first pass's points; 'f' suffix on a pass = mirror-averaged; 'dy<f>' shifts the first square down by f of its side.
 */
async function locate(landmarker: FaceLandmarker, image: RgbImage, det: Det, key: string): Promise<Point[]> {
  const m = /^s([\d.]+)(f?)(?:dy(-?[\d.]+))?(?:\+r([\d.]+)(f?))?$/.exec(key);
  if (!m) throw new Error(`bad points key ${key}`);
  const region = squareAround(det.box, Number(m[1]));
  if (m[3]) region.y += Number(m[3]) * region.side;
  let pts = m[2] ? await locateFlipAveraged(landmarker, image, region) : (await landmarker.run(image, [region]))[0]!;
  if (m[4]) {
    const r2 = squareAroundPoints(pts, Number(m[4]));
    pts = m[5] ? await locateFlipAveraged(landmarker, image, r2) : (await landmarker.run(image, [r2]))[0]!;
  }
  return pts;
}

/** dlib's own chip geometry: chip_details' rect (side size*scale - 1 centred on T(size/2)) and corner mapping. */
function dlibExactTransform(t: Similarity, size: number): Similarity {
  const c = applySimilarity(t, { x: size / 2, y: size / 2 });
  const s = Math.hypot(t.a, t.b);
  const k = (size * s - 1) / (size - 1) / s;
  const a = t.a * k;
  const b = t.b * k;
  const h = (size - 1) / 2;
  return { a, b, tx: c.x - (a * h - b * h), ty: c.y - (b * h + a * h) };
}

function cut(image: RgbImage, det: Det, p68: Point[] | undefined, chip: string, rec: FaceRecognizer): RgbImage {
  const size = rec.inputSize;
  if (!p68 || chip === 'det') return alignFace(image, det.landmarks, rec.template, size);
  if (chip === 'cur') return warpSimilarityAntialiased(image, dlibChipTransform(p68, size, 0.25), size);
  if (chip === 'dlib') return warpSimilarityAntialiased(image, dlibExactTransform(dlibChipTransform(p68, size, 0.25), size), size);
  if (chip.startsWith('pad')) return warpSimilarityAntialiased(image, dlibChipTransform(p68, size, Number(chip.slice(3))), size);
  if (chip === 'five') return alignFace(image, fivePointsFrom68(p68), rec.template, size);
  if (chip === 'five33') {
    // nose = mean of 30 and 33
    const f = fivePointsFrom68(p68);
    return alignFace(image, { ...f, nose: { x: (p68[30]!.x + p68[33]!.x) / 2, y: (p68[30]!.y + p68[33]!.y) / 2 } }, rec.template, size);
  }
  throw new Error(`bad chip ${chip}`);
}

main().catch((err) => {
  process.stderr.write(`lab failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
