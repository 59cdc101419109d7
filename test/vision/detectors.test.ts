import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlazeFaceDetector, decodeImage, mirrorHorizontally, pickCenterFace, YuNetDetector, type DetectedFace, type FaceDetector, type RgbImage } from '@faceshard/vision';
import { lfwPhoto, SHARED_ABSENT_REASON, SHARED_DIR, YUNET_MODEL } from './shared-fixtures';

const PHOTOS: Array<[string, number]> = [
  ['George_W_Bush', 1],
  ['Aaron_Guiel', 1],
  ['Abdullah_Gul', 13],
  ['Serena_Williams', 1],
  ['Colin_Powell', 5],
];

/** Keypoints where a face has them: eyes side by side above the nose, mouth below, inside the box region. */
function expectPlausible(face: DetectedFace, image: RgbImage): void {
  const { leftEye, rightEye, nose } = face.landmarks;
  const mouth = face.landmarks.mouthCenter ?? {
    x: (face.landmarks.mouthLeft!.x + face.landmarks.mouthRight!.x) / 2,
    y: (face.landmarks.mouthLeft!.y + face.landmarks.mouthRight!.y) / 2,
  };
  expect(leftEye.x).toBeLessThan(rightEye.x);
  const eyeDistance = rightEye.x - leftEye.x;
  // LFW deep-funneled photos: face about 100 px wide, centred in 250 x 250.
  expect(eyeDistance).toBeGreaterThan(25);
  expect(eyeDistance).toBeLessThan(80);
  expect(Math.abs(leftEye.y - rightEye.y)).toBeLessThan(eyeDistance * 0.4);
  expect(nose.y).toBeGreaterThan(Math.min(leftEye.y, rightEye.y));
  expect(mouth.y).toBeGreaterThan(nose.y);
  expect(nose.x).toBeGreaterThan(leftEye.x - eyeDistance * 0.3);
  expect(nose.x).toBeLessThan(rightEye.x + eyeDistance * 0.3);
  for (const p of [leftEye, rightEye, nose, mouth]) {
    expect(p.x).toBeGreaterThan(image.width * 0.2);
    expect(p.x).toBeLessThan(image.width * 0.8);
    expect(p.y).toBeGreaterThan(image.height * 0.2);
    expect(p.y).toBeLessThan(image.height * 0.8);
  }
  expect(face.score).toBeGreaterThan(0.5);
  expect(face.score).toBeLessThanOrEqual(1);
}

describe.skipIf(!SHARED_DIR)(`detectors on LFW photos${SHARED_DIR ? '' : ` (${SHARED_ABSENT_REASON})`}`, () => {
  let blaze: BlazeFaceDetector;
  let yunet: YuNetDetector;
  const images = new Map<string, RgbImage>();

  beforeAll(async () => {
    blaze = await BlazeFaceDetector.create();
    yunet = await YuNetDetector.create({ modelPath: YUNET_MODEL });
    for (const [name, i] of PHOTOS) images.set(`${name}_${i}`, await decodeImage(readFileSync(lfwPhoto(name, i))));
  });
  afterAll(async () => {
    await blaze?.close();
    await yunet?.close();
  });

  const centreFace = async (d: FaceDetector, img: RgbImage) => {
    const faces = await d.detect(img);
    expect(faces.length).toBeGreaterThanOrEqual(1);
    return pickCenterFace({ width: img.width, height: img.height, faces })!;
  };

  it('BlazeFace finds the face with eyes, nose and mouth centre in plausible places', async () => {
    for (const img of images.values()) {
      const face = await centreFace(blaze, img);
      expect(face.landmarks.mouthCenter).toBeDefined();
      expect(face.landmarks.mouthLeft).toBeUndefined();
      expectPlausible(face, img);
    }
  });

  it('YuNet finds the face with five keypoints in plausible places', async () => {
    for (const img of images.values()) {
      const face = await centreFace(yunet, img);
      expect(face.landmarks.mouthLeft!.x).toBeLessThan(face.landmarks.mouthRight!.x);
      expectPlausible(face, img);
    }
  });

  it('BlazeFace and YuNet put the eyes and nose within a few pixels of each other', async () => {
    for (const img of images.values()) {
      const a = (await centreFace(blaze, img)).landmarks;
      const b = (await centreFace(yunet, img)).landmarks;
      const tolerance = 0.25 * (b.rightEye.x - b.leftEye.x);
      for (const k of ['leftEye', 'rightEye', 'nose'] as const) expect(Math.hypot(a[k].x - b[k].x, a[k].y - b[k].y)).toBeLessThan(tolerance);
    }
  });

  it("BlazeFace's first keypoint is the image-left eye: mirroring the photo swaps which eye is reported left", async () => {
    const img = images.get('George_W_Bush_1')!;
    const original = (await centreFace(blaze, img)).landmarks;
    const mirrored = (await centreFace(blaze, mirrorHorizontally(img))).landmarks;
    // The subject's right eye is image-left in the original and image-right in the mirror.
    expect(Math.abs(mirrored.leftEye.x - (img.width - 1 - original.rightEye.x))).toBeLessThan(4);
    expect(Math.abs(mirrored.rightEye.x - (img.width - 1 - original.leftEye.x))).toBeLessThan(4);
  });

  it('maps boxes back to image pixels on non-square, larger photos (letterbox / downscale)', async () => {
    // The LFW photo placed at the right of a 1000 x 400 black canvas: the face must be found there.
    const src = images.get('Colin_Powell_5')!;
    const w = 1000;
    const h = 400;
    const data = new Uint8Array(w * h * 3);
    const ox = 700;
    const oy = 100;
    for (let y = 0; y < src.height; y++) data.set(src.data.subarray(y * src.width * 3, (y + 1) * src.width * 3), ((oy + y) * w + ox) * 3);
    const big = { data, width: w, height: h };
    for (const d of [blaze, yunet]) {
      const here = (await centreFace(d, src)).landmarks;
      const faces = await d.detect(big);
      expect(faces.length).toBeGreaterThanOrEqual(1);
      const there = faces[0]!.landmarks;
      expect(Math.abs(there.leftEye.x - (here.leftEye.x + ox))).toBeLessThan(6);
      expect(Math.abs(there.leftEye.y - (here.leftEye.y + oy))).toBeLessThan(6);
    }
  });

  it('finds no face in a smooth gradient', async () => {
    const w = 320;
    const h = 240;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x % 256, y, 128], (y * w + x) * 3);
    expect(await blaze.detect({ data, width: w, height: h })).toEqual([]);
    expect(await yunet.detect({ data, width: w, height: h })).toEqual([]);
  });
});
