/**
 * BlazeFace's black margin (padRatio) on two kinds of photos: LFW's own (the face fills a third of
 * a 250-px frame) and "small-face" photos made from LFW: a photo scaled down and pasted into a
 * larger frame (1280x960 "group" frames and 720x1280 "full-body" portraits), where the face is a
 * few percent of the frame. Reports, per padRatio, the share of faces found on each.
 *
 *   npm run build && node dist/bench/vision/detector-padding.js [--pads 0,0.1,0.2,0.28] [--photos 600]
 *
 * LFW photos: View 1 DevTrain's (the split choices may look at). Small-face frames: one LFW photo
 * each, pasted at a seeded-random place and size on a textured background. JSON on stdout.
 */
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgsOrExit } from '../cli-options';
import sharp from 'sharp';
import { BlazeFaceDetector, decodeImage, pickCenterFace, type DetectedFace, type RgbImage } from '@faceshard/vision';
import { SeededRandom } from '../data/prng';
import { lfwImagePath, parseLfwPairs } from './lfw-pairs';
import { findSharedDir } from './shared-dir';

interface Frame {
  image: RgbImage;
  /** Where the pasted face's centre is, and the pasted photo's side. */
  cx: number;
  cy: number;
  side: number;
  kind: string;
}

/** A textured background (smooth colour gradient + noise): no faces, not a flat field a detector finds trivially empty. */
function background(width: number, height: number, random: () => number): Buffer {
  const out = Buffer.alloc(width * height * 3);
  const [r0, g0, b0] = [random() * 200, random() * 200, random() * 200];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const n = (random() - 0.5) * 30;
      const i = (y * width + x) * 3;
      out[i] = Math.max(0, Math.min(255, r0 + (55 * x) / width + n));
      out[i + 1] = Math.max(0, Math.min(255, g0 + (55 * y) / height + n));
      out[i + 2] = Math.max(0, Math.min(255, b0 + n));
    }
  return out;
}

async function smallFaceFrame(photo: Buffer, random: () => number, kind: 'group' | 'full-body'): Promise<Frame> {
  const [width, height] = kind === 'group' ? [1280, 960] : [720, 1280];
  // Pasted photo side: group 100-320 px (faces ~40-130 px), full body 80-200 px (faces ~30-80 px).
  const side = Math.round(kind === 'group' ? 100 + random() * 220 : 80 + random() * 120);
  const left = Math.floor(random() * (width - side));
  const top = Math.floor(kind === 'group' ? random() * (height - side) : random() * height * 0.2);
  const pasted = await sharp(photo).resize(side, side).toBuffer();
  const jpeg = await sharp(background(width, height, random), { raw: { width, height, channels: 3 } })
    .composite([{ input: pasted, left, top }])
    .jpeg({ quality: 90 })
    .toBuffer();
  // LFW deep-funneled faces are centred near (125, 120) of 250.
  return { image: await decodeImage(jpeg), cx: left + (125 / 250) * side, cy: top + (120 / 250) * side, side, kind };
}

/** Found = a detection whose eye midpoint lies within 15% of the pasted photo's side from the face centre. */
function found(faces: readonly DetectedFace[], f: Frame): boolean {
  return faces.some((d) => {
    const mx = (d.landmarks.leftEye.x + d.landmarks.rightEye.x) / 2;
    const my = (d.landmarks.leftEye.y + d.landmarks.rightEye.y) / 2;
    return Math.hypot(mx - f.cx, my - (f.cy - 0.08 * f.side)) < 0.15 * f.side;
  });
}

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/vision/detector-padding.js', { options: { pads: { type: 'string', default: '0,0.1,0.2,0.28' }, photos: { type: 'string', default: '600' } } });
  const pads = values.pads.split(',').map(Number);
  const n = Number(values.photos);
  const lfw = path.join(findSharedDir() ?? '', 'datasets', 'lfw');
  const train = parseLfwPairs(await readFile(path.join(lfw, 'pairsDevTrain.txt'), 'utf8')).flat();
  const all = [...new Set(train.flatMap((p) => [lfwImagePath(p.nameA, p.indexA), lfwImagePath(p.nameB, p.indexB)]))];
  const step = Math.max(1, Math.floor(all.length / n));
  const chosen = all.filter((_, i) => i % step === 0).slice(0, n);
  const prng = new SeededRandom(9);
  const random = () => prng.nextFloat();
  const photos = await Promise.all(chosen.map((rel) => readFile(path.join(lfw, 'images', rel))));
  const lfwImages = await Promise.all(photos.map((p) => decodeImage(p)));
  const frames: Frame[] = [];
  for (const [i, p] of photos.entries()) frames.push(await smallFaceFrame(p, random, i % 3 === 2 ? 'full-body' : 'group'));

  const rows = [];
  for (const padRatio of pads) {
    const detector = await BlazeFaceDetector.create({ padRatio });
    try {
      let lfwFound = 0;
      for (const img of lfwImages) if (pickCenterFace({ ...img, faces: await detector.detect(img) })) lfwFound++;
      const byKind: Record<string, { found: number; total: number }> = {};
      for (const f of frames) {
        const k = (byKind[f.kind] ??= { found: 0, total: 0 });
        k.total++;
        if (found(await detector.detect(f.image), f)) k.found++;
      }
      rows.push({ padRatio, lfwFound, lfwTotal: lfwImages.length, smallFaces: byKind });
      process.stderr.write(
        `pad ${padRatio}: LFW ${lfwFound}/${lfwImages.length}, ` +
          Object.entries(byKind).map(([k, v]) => `${k} ${v.found}/${v.total}`).join(', ') + '\n',
      );
    } finally {
      await detector.close();
    }
  }
  process.stdout.write(JSON.stringify({ photos: chosen.length, loadAverage: os.loadavg(), rows }, null, 2) + '\n');
}

main().catch((err) => {
  process.stderr.write(`detector-padding failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
