/**
 * Score fusion of the dlib ResNet and an ArcFace-family model (MobileFaceNet) on LFW View 1, from
 * accuracy-lab.ts's cached embeddings (run it first for both recognizers on the same detector and
 * landmark variant: the commands are in bench/vision/README.md, "Score fusion"). CHOSEN ON DevTrain:
 * fused similarity w * cos_dlib + (1 - w) * cos_arcface, w on a grid, each w with its own
 * best-accuracy DevTrain threshold; --test adds DevTest at the chosen w only (never to choose).
 *
 *   node dist/bench/vision/fusion-study.js [--cache /tmp/fusion-lab] [--detector yunet]
 *     [--points 's1.2+r1.25'] [--step 0.05] [--modes plain,flip] [--no-fallback] [--test]
 *
 * Per w: DevTrain errors of 2,200 pairs, AUC, and the false non-match rate at false-match rates
 * 1e-3 / 1e-4 over every pair of DevTrain's 3,443 photos (its people only). Rule for the choice,
 * fixed before any DevTest figure: fewest DevTrain errors; ties go to the lower FNMR at 1e-3, then
 * at 1e-4. The pipeline's landmark fallback (MAX_LANDMARK_DISAGREEMENT) is applied as eval:lfw
 * does: a photo whose 68 points land further than that from the detector's keypoints takes both
 * recognizers' 'det|det' embeddings. `z` = the same w after a per-model z-score (impostor mean and
 * std over all DevTrain pairs): an affine map per model only re-parametrises w (the offset goes
 * into the threshold), so it is printed beside w, and a grid on z is run as a check.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import { averageUnit, disagreementWithDetector, fuseEmbeddings, MAX_LANDMARK_DISAGREEMENT } from '@faceshard/vision';
import { labDetectionsFile, labDetectorKey, labEmbeddingsFile, labPointsFile, readF32, readPoints, viewOnePhotos, type LabDetection } from './lab-cache';
import { lfwImagePath, type LfwPair } from './lfw-pairs';
import { findSharedDir } from './shared-dir';
import { accuracyAt, bestThreshold, binomialStandardError, rocAuc, tarAtFar, unitCosine, type ScoredPair } from './verification-metrics';

type Mode = 'plain' | 'flip';

interface Row {
  w: number;
  z: number;
  errors: number;
  accuracy: number;
  auc: number;
  threshold: number;
  fnmr3: number;
  fnmr4: number;
}

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/vision/fusion-study.js', {
    options: {
      cache: { type: 'string', default: '/tmp/fusion-lab' },
      detector: { type: 'string', default: 'yunet' },
      'blazeface-pad': { type: 'string' },
      points: { type: 'string', default: 's1.2+r1.25' },
      'dlib-chip': { type: 'string', default: 'cur' },
      'arcface-chip': { type: 'string', default: 'five' },
      'arcface-key': { type: 'string', default: 'arcface-imagenet' },
      step: { type: 'string', default: '0.05' },
      modes: { type: 'string', default: 'plain,flip' },
      'no-fallback': { type: 'boolean', default: false },
      test: { type: 'boolean', default: false },
    },
  });
  const lfw = path.join(findSharedDir() ?? '', 'datasets', 'lfw');
  const { train, test, photos, index } = await viewOnePhotos(lfw);
  const dir = values.cache!;
  const detKey = labDetectorKey(values.detector, values['blazeface-pad']);
  const dets: Array<LabDetection | null> = JSON.parse(readFileSync(labDetectionsFile(dir, detKey), 'utf8'));
  const pts = readF32(labPointsFile(dir, detKey, values.points!));
  const load = (recKey: string, variant: string) => readF32(labEmbeddingsFile(dir, detKey, recKey, variant));
  const models = [
    { name: 'dlib', own: load('dlib-', `${values.points}|${values['dlib-chip']}`), det: load('dlib-', 'det|det') },
    { name: 'arcface', own: load(values['arcface-key']!, `${values.points}|${values['arcface-chip']}`), det: load(values['arcface-key']!, 'det|det') },
  ];
  const fallback = photos.map((_, n) => !values['no-fallback'] && dets[n] !== null && !(disagreementWithDetector(readPoints(pts, n), dets[n]!.landmarks) <= MAX_LANDMARK_DISAGREEMENT));
  const out: string[] = [];
  const log = (s: string) => {
    out.push(s);
    process.stdout.write(s + '\n');
  };
  log(`fusion study: ${detKey}, points ${values.points}, dlib chip '${values['dlib-chip']}', ${values['arcface-key']} chip '${values['arcface-chip']}'; ${photos.length} photos, ${dets.filter((d) => !d).length} without a face, ${fallback.filter(Boolean).length} on the detector's points (fallback ${values['no-fallback'] ? 'off' : `> ${MAX_LANDMARK_DISAGREEMENT}`}); load ${os.loadavg()[0]!.toFixed(2)}`);

  const step = Number(values.step);
  const grid = Array.from({ length: Math.round(1 / step) + 1 }, (_, i) => Math.round(i * step * 1e6) / 1e6);
  for (const mode of values.modes!.split(',') as Mode[]) {
    // Each model's per-photo vector in this mode (undefined where no face).
    const vecs = models.map((m) => {
      const D = m.own.length / photos.length / 2;
      return photos.map((_, n) => {
        if (!dets[n]) return undefined;
        const arr = fallback[n] ? m.det : m.own;
        const a = arr.subarray(n * D * 2, n * D * 2 + D);
        return mode === 'plain' ? a : averageUnit(a, arr.subarray(n * D * 2 + D, n * D * 2 + 2 * D));
      });
    });
    const pairCosines = (pairs: LfwPair[]) =>
      pairs.map((p) => {
        const a = index.get(lfwImagePath(p.nameA, p.indexA))!;
        const b = index.get(lfwImagePath(p.nameB, p.indexB))!;
        const c = vecs.map((v) => (v[a] && v[b] ? unitCosine(v[a]!, v[b]!) : undefined));
        return { same: p.same, d: c[0], m: c[1] };
      });
    const trainCos = pairCosines(train);
    const all = allDevTrainPairs(photos, train, vecs);
    const stats = [all.d, all.m].map((s) => impostorMoments(s, all.same));
    // Standardised weight z <-> raw weight w: z/sd_d : (1-z)/sd_m = w : (1-w).
    const zOf = (w: number) => (w * stats[0]!.sd) / (w * stats[0]!.sd + (1 - w) * stats[1]!.sd);
    const wOf = (z: number) => z / stats[0]!.sd / (z / stats[0]!.sd + (1 - z) / stats[1]!.sd);
    const rowAt = (w: number): Row => {
      const scored: ScoredPair[] = trainCos.map((p) => ({ same: p.same, score: p.d === undefined || p.m === undefined ? undefined : w * p.d + (1 - w) * p.m }));
      const chosen = bestThreshold(scored);
      const fused = new Float32Array(all.d.length);
      for (let i = 0; i < fused.length; i++) fused[i] = w * all.d[i]! + (1 - w) * all.m[i]!;
      const f = fnmrAtFmr(fused, all.same, [1e-3, 1e-4]);
      return { w, z: zOf(w), errors: Math.round((1 - chosen.accuracy) * scored.length), accuracy: chosen.accuracy, auc: rocAuc(scored), threshold: chosen.threshold, fnmr3: f[0]!, fnmr4: f[1]! };
    };
    const rows = grid.map(rowAt);
    const best = [...rows].sort((a, b) => a.errors - b.errors || a.fnmr3 - b.fnmr3 || a.fnmr4 - b.fnmr4)[0]!;
    log(`\n### ${mode === 'flip' ? 'with flip averaging' : 'no flip'} — DevTrain (2,200 pairs; all-pairs: ${all.genuine} same-person, ${all.same.length - all.genuine} impostor pairs of DevTrain photos)`);
    log(`impostor cosine mean / sd: dlib ${stats[0]!.mean.toFixed(4)} / ${stats[0]!.sd.toFixed(4)}, arcface ${stats[1]!.mean.toFixed(4)} / ${stats[1]!.sd.toFixed(4)}\n`);
    log('| w (dlib) | z (standardised) | DevTrain errors | DevTrain | AUC | threshold | FNMR @ FMR 1e-3 | @ 1e-4 |');
    log('|---|---|---|---|---|---|---|---|');
    for (const r of rows) log(formatRow(r, r === best));
    log(`\nz-score grid (each z mapped to its raw w; a check that standardising finds nothing the raw grid misses):\n`);
    log('| z | w | DevTrain errors | AUC | FNMR @ 1e-3 | @ 1e-4 |');
    log('|---|---|---|---|---|---|');
    for (const z of grid.filter((z) => z > 0 && z < 1)) {
      const r = rowAt(wOf(z));
      log(`| ${z.toFixed(2)} | ${r.w.toFixed(3)} | ${r.errors} | ${r.auc.toFixed(5)} | ${pct(r.fnmr3)} | ${pct(r.fnmr4)} |`);
    }
    // The stored form: one 256-D unit vector per face whose dot product is the fused score.
    let maxDiff = 0;
    for (const p of train) {
      const a = index.get(lfwImagePath(p.nameA, p.indexA))!;
      const b = index.get(lfwImagePath(p.nameB, p.indexB))!;
      if (!vecs[0]![a] || !vecs[0]![b]) continue;
      const fa = fuseEmbeddings([vecs[0]![a]!, vecs[1]![a]!], [best.w, 1 - best.w]);
      const fb = fuseEmbeddings([vecs[0]![b]!, vecs[1]![b]!], [best.w, 1 - best.w]);
      const direct = best.w * unitCosine(vecs[0]![a]!, vecs[0]![b]!) + (1 - best.w) * unitCosine(vecs[1]![a]!, vecs[1]![b]!);
      maxDiff = Math.max(maxDiff, Math.abs(unitCosine(fa, fb) - direct), Math.abs(Math.hypot(...fa) - 1));
    }
    log(`\nchosen on DevTrain: w = ${best.w} (${best.errors} errors; MobileFaceNet alone, w = 0: ${rows[0]!.errors}; dlib alone, w = 1: ${rows[rows.length - 1]!.errors}), threshold ${best.threshold.toFixed(4)}; ` +
      `fused ${vecs[0]!.find(Boolean)!.length + vecs[1]!.find(Boolean)!.length}-D vectors: |dot - (w cos_dlib + (1-w) cos_arcface)| and |norm - 1| at most ${maxDiff.toExponential(1)} over DevTrain's pairs`);
    if (values.test) {
      const testCos = pairCosines(test);
      for (const r of [best, rows[0]!, rows[rows.length - 1]!]) {
        const scored: ScoredPair[] = testCos.map((p) => ({ same: p.same, score: p.d === undefined || p.m === undefined ? undefined : r.w * p.d + (1 - r.w) * p.m }));
        const acc = accuracyAt(scored, r.threshold);
        log(`DevTest at w = ${r.w}${r === best ? ' (chosen)' : ''}, DevTrain threshold ${r.threshold.toFixed(4)}: ${(acc * 100).toFixed(2)}% ± ${(binomialStandardError(acc, scored.length) * 100).toFixed(2)} (${Math.round((1 - acc) * scored.length)} errors of ${scored.length}), AUC ${rocAuc(scored).toFixed(4)}, TAR@FAR=1e-3 ${tarAtFar(scored, 1e-3).tar.toFixed(3)}`);
      }
    }
  }
}

function formatRow(r: Row, chosen: boolean): string {
  const b = (s: string) => (chosen ? `**${s}**` : s);
  return `| ${b(r.w.toFixed(2))} | ${r.z.toFixed(3)} | ${b(String(r.errors))} | ${(r.accuracy * 100).toFixed(2)}% | ${r.auc.toFixed(5)} | ${r.threshold.toFixed(4)} | ${pct(r.fnmr3)} | ${pct(r.fnmr4)} |`;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** Both models' cosines for every pair of DevTrain's photos (its people only), and which pairs are the same person. */
function allDevTrainPairs(photos: string[], train: LfwPair[], vecs: Array<Array<Float32Array | undefined>>): { d: Float32Array; m: Float32Array; same: Uint8Array; genuine: number } {
  const idx = new Map(photos.map((p, i) => [p, i]));
  const set = [...new Set(train.flatMap((p) => [lfwImagePath(p.nameA, p.indexA), lfwImagePath(p.nameB, p.indexB)]))].map((p) => idx.get(p)!).filter((n) => vecs[0]![n]);
  const who = set.map((n) => photos[n]!.split('/')[0]!);
  const total = (set.length * (set.length - 1)) / 2;
  const d = new Float32Array(total);
  const m = new Float32Array(total);
  const same = new Uint8Array(total);
  let k = 0;
  let genuine = 0;
  for (let i = 0; i < set.length; i++) {
    for (let j = i + 1; j < set.length; j++, k++) {
      d[k] = unitCosine(vecs[0]![set[i]!]!, vecs[0]![set[j]!]!);
      m[k] = unitCosine(vecs[1]![set[i]!]!, vecs[1]![set[j]!]!);
      if (who[i] === who[j]) {
        same[k] = 1;
        genuine++;
      }
    }
  }
  return { d, m, same, genuine };
}

function impostorMoments(s: Float32Array, same: Uint8Array): { mean: number; sd: number } {
  let n = 0;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < s.length; i++) {
    if (same[i]) continue;
    n++;
    sum += s[i]!;
    sq += s[i]! * s[i]!;
  }
  const mean = sum / n;
  return { mean, sd: Math.sqrt(sq / n - mean * mean) };
}

/** FNMR at each FMR: the threshold is the floor(fmr * impostors)-th highest impostor score; a genuine pair at or below it is a false non-match. */
function fnmrAtFmr(scores: Float32Array, same: Uint8Array, fmrs: number[]): number[] {
  let nImp = 0;
  for (let i = 0; i < same.length; i++) if (!same[i]) nImp++;
  const imp = new Float32Array(nImp);
  const gen: number[] = [];
  for (let i = 0, k = 0; i < scores.length; i++) if (same[i]) gen.push(scores[i]!);
    else imp[k++] = scores[i]!;
  imp.sort();
  return fmrs.map((fmr) => {
    const t = imp[nImp - 1 - Math.floor(fmr * nImp)]!;
    return gen.filter((g) => g <= t).length / gen.length;
  });
}

main().catch((err) => {
  process.stderr.write(`fusion-study failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
