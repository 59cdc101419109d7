/**
 * Where a photo's time goes inside each stage of the default pipeline, step by step, under one
 * onnxruntime thread setting: sharp's header read and decode, BlazeFace's canvas (sharp resize),
 * its float conversion, its session run and post-processing, the landmark crop, its packing and
 * run, the dlib chip, its packing and run. The steps are the library's own functions, called in
 * the pipeline's order on the same photos; each is summed over the photos (ms per photo).
 *
 *   node dist/bench/vision/stage-profile.js [--photos 100] [--intra 1] [--rounds 3]
 *
 * Not a throughput figure (bench:vision is): a map of the hot spots.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgsOrExit } from '../cli-options';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import {
  BLAZEFACE_BACK_256_ANCHORS,
  LANDMARK68_INPUT_SIZE,
  LANDMARK68_ONNX_INPUT,
  DLIB_INPUT_SIZE,
  RAW_PIXELS,
  centredSquarePlacement,
  cropsToNchw,
  createOnnxSession,
  defaultBlazeFaceModelPath,
  regionToImage,
  renderOnCanvas,
  squareAround,
  warpSimilarityAntialiased,
  BlazeFaceDetector,
  DlibResNetRecognizer,
  FaceLandmarker,
  cutFaceCrop,
  decodeImage,
  inspectImage,
  type OnnxSessionSettings,
} from '@faceshard/vision';
import { loadSpreadSample } from './lfw-sample';
import { findSharedDir } from './shared-dir';

async function main(): Promise<void> {
  const { values } = parseArgsOrExit('node dist/bench/vision/stage-profile.js', {
    options: {
      photos: { type: 'string', default: '100' },
      intra: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '3' },
      'sharp-concurrency': { type: 'string' },
    },
  });
  if (values['sharp-concurrency'] !== undefined) sharp.concurrency(Number(values['sharp-concurrency']));
  const shared = findSharedDir();
  if (!shared) throw new Error('no ../shared found');
  const files = await loadSpreadSample(path.join(shared, 'datasets', 'lfw', 'images'), Number(values.photos));
  const session: OnnxSessionSettings = { intraOpNumThreads: Number(values.intra) };
  const detector = await BlazeFaceDetector.create({ session });
  const landmarker = await FaceLandmarker.create({ session });
  const recognizer = await DlibResNetRecognizer.create({ session });
  // The same models as raw sessions, to time the runs apart from the JS around them.
  const rawDetector = await createOnnxSession(defaultBlazeFaceModelPath(), session);
  const rawLandmarks = await createOnnxSession(landmarker.modelPath, session);
  const rawDlib = await createOnnxSession(recognizer.modelPath, session);
  const side = BLAZEFACE_BACK_256_ANCHORS.inputSizeWidth;

  const t: Record<string, number> = {};
  const add = (k: string, ms: number) => (t[k] = (t[k] ?? 0) + ms);
  let faces = 0;
  const rounds = Number(values.rounds);
  for (let round = 0; round < rounds; round++) {
    // Only the last round counts: the earlier ones warm V8 (the warps) and ORT's arenas up.
    for (const k of Object.keys(t)) delete t[k];
    faces = 0;
    for (const f of files) {
      let s = performance.now();
      await inspectImage(f);
      add('decode: header (sharp metadata)', performance.now() - s);
      s = performance.now();
      const img = await decodeImage(f);
      add('decode: whole decodeImage', performance.now() - s);

      // Detector pieces, as BlazeFaceDetector.detect does them.
      s = performance.now();
      const placement = centredSquarePlacement(img.width, img.height, side, 0);
      const canvas = await renderOnCanvas(img, placement);
      add('detect: canvas (sharp resize)', performance.now() - s);
      s = performance.now();
      const input = new Float32Array(canvas.length);
      for (let i = 0; i < canvas.length; i++) input[i] = canvas[i]! / 127.5 - 1;
      add('detect: to float [-1,1] (fresh array)', performance.now() - s);
      s = performance.now();
      await rawDetector.run({ [rawDetector.inputNames[0]!]: new ort.Tensor('float32', input, [1, side, side, 3]) });
      add('detect: raw session run', performance.now() - s);

      s = performance.now();
      const det = await detector.detect(img);
      add('detect: whole', performance.now() - s);
      faces += det.length;

      s = performance.now();
      const regions = det.map((d) => squareAround(d.box, 1.2));
      const lmCrops = regions.map((r) => warpSimilarityAntialiased(img, regionToImage(r, LANDMARK68_INPUT_SIZE), LANDMARK68_INPUT_SIZE));
      add('landmarks: crop warp', performance.now() - s);
      s = performance.now();
      const lmData = cropsToNchw(lmCrops, LANDMARK68_INPUT_SIZE, RAW_PIXELS, 'rgb');
      add('landmarks: HWC->CHW float', performance.now() - s);
      if (lmCrops.length) {
        s = performance.now();
        await rawLandmarks.run({ [LANDMARK68_ONNX_INPUT]: new ort.Tensor('float32', lmData, [lmCrops.length, 3, LANDMARK68_INPUT_SIZE, LANDMARK68_INPUT_SIZE]) });
        add('landmarks: raw session run', performance.now() - s);
      }

      s = performance.now();
      const points = await landmarker.locate(img, det.map((d) => d.box));
      add('landmarks: whole', performance.now() - s);

      s = performance.now();
      const crops = det.map((d, i) => cutFaceCrop(img, d.landmarks, points[i], recognizer));
      add('align: dlib chips', performance.now() - s);

      if (crops.length) {
        s = performance.now();
        const data = cropsToNchw(crops, DLIB_INPUT_SIZE, RAW_PIXELS, 'rgb');
        add('embed: HWC->CHW float', performance.now() - s);
        s = performance.now();
        await rawDlib.run({ [rawDlib.inputNames[0]!]: new ort.Tensor('float32', data, [crops.length, 3, DLIB_INPUT_SIZE, DLIB_INPUT_SIZE]) });
        add('embed: raw session run', performance.now() - s);
      }
      s = performance.now();
      if (crops.length) await recognizer.embed(crops);
      add('embed: whole', performance.now() - s);
    }
  }
  const lines = Object.entries(t).map(([k, v]) => `  ${k.padEnd(40)} ${(v / files.length).toFixed(3)} ms/photo`);
  process.stderr.write(
    `stage profile: ${files.length} photos, ${faces} faces, intraOp ${values.intra}, load ${os.loadavg()[0]!.toFixed(1)}\n${lines.join('\n')}\n`,
  );
  await detector.close();
  await landmarker.close();
  await recognizer.close();
  await rawDetector.release();
  await rawLandmarks.release();
  await rawDlib.release();
}

main().catch((err) => {
  process.stderr.write(`stage-profile failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
