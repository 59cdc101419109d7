import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, TestCluster } from '../support/cluster-harness';
import { MOBILEFACENET_MODEL, SHARED_ABSENT_REASON, SHARED_DIR, YUNET_MODEL } from '../vision/shared-fixtures';
import { lfwPeople, lfwSingles, type LfwPerson } from './lfw-gallery';
import { inBatches, photo, postPhoto } from './photo-client';

/**
 * Calibrated thresholds through the API, with the real default pipeline and LFW photos: farTarget
 * picks the threshold the shipped calibration says, every answer names its threshold and
 * false-match rate, strangers come back `unknown`, GET /v1/models/:id serves the calibration and
 * the accuracy-by-gallery-size table.
 */
const MODEL_CACHE = process.env.FACESHARD_MODEL_CACHE;
const PEOPLE = 12;
const C = '/v1/collections/calib';

/** The threshold for an FMR target from the served points, computed here independently: linear in log10(FMR). */
function expectedThreshold(points: { fmr: number; threshold: number }[], far: number): number {
  const i = points.findIndex((p) => p.fmr <= far);
  if (points[i]!.fmr === far) return points[i]!.threshold;
  const hi = points[i - 1]!;
  const lo = points[i]!;
  const f = (Math.log10(far) - Math.log10(hi.fmr)) / (Math.log10(lo.fmr) - Math.log10(hi.fmr));
  return hi.threshold + f * (lo.threshold - hi.threshold);
}

describe.skipIf(!SHARED_DIR)(SHARED_DIR ? 'calibrated thresholds on a 1-shard cluster with the default pipeline and LFW photos' : SHARED_ABSENT_REASON, () => {
  const cluster = new TestCluster();
  let url = '';
  let people: LfwPerson[] = [];
  let calibration: any;

  beforeAll(async () => {
    people = lfwPeople(PEOPLE, 100);
    await cluster.startShard('ca');
    url = await cluster.startGateway({ FACE_CACHE: 'memory', FACE_WORKERS: '1', ...(MODEL_CACHE ? { FACESHARD_MODEL_CACHE: MODEL_CACHE } : {}) });
    await cluster.waitForMembers(['ca'], 60_000);
    expect((await call(url, 'POST', '/v1/collections', { name: 'calib', model: 'dlib-resnet-v1' })).status).toBe(201);
    const enrolled = await inBatches(people, 1, (p) => postPhoto(url, `${C}/identities/${p.name}/faces`, { image: photo(p.enrolled[0]) }));
    for (const answer of enrolled) expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const model = await call(url, 'GET', '/v1/models/dlib-resnet-v1');
    expect(model.status).toBe(200);
    calibration = model.body.calibration;
  }, 240_000);

  afterAll(async () => {
    await cluster.stop();
  });

  it('GET /v1/models/:id serves the calibration (FMR 1e-1..1e-6 with TMR) and accuracy by gallery size up to 10^7; an unknown id is 404', async () => {
    expect(calibration).toMatchObject({ modelId: 'dlib-resnet-v1', detector: 'blazeface', defaults: { identify: { farTarget: 1e-5 }, verify: { farTarget: 1e-4 } } });
    expect(calibration.impostorPairs).toBeGreaterThan(1_000_000);
    const fmrs = calibration.points.map((p: any) => p.fmr);
    for (const decade of [1e-2, 1e-3, 1e-4, 1e-5, 1e-6]) expect(fmrs).toContain(decade);
    for (const p of calibration.points) expect(p.tmr).toBeGreaterThan(0);
    const sizes = calibration.galleryAccuracy.sizes;
    expect(sizes.filter((r: any) => r.source === 'lfw').map((r: any) => r.gallerySize)).toEqual(expect.arrayContaining([100, 1000]));
    expect(sizes.filter((r: any) => r.source === 'synthetic').map((r: any) => r.gallerySize)).toEqual(expect.arrayContaining([1e4, 1e5, 1e6, 1e7]));
    for (const r of sizes) for (const k of ['rank1', 'tpir', 'fpir']) expect(r[k]).toBeGreaterThanOrEqual(0);
    const list = await call(url, 'GET', '/v1/models');
    expect(list.body.models[0]).toMatchObject({ id: 'dlib-resnet-v1', calibrated: true, defaultFarTarget: 1e-5, defaultThreshold: calibration.defaults.identify.threshold });
    const missing = await call(url, 'GET', '/v1/models/nope');
    expect([missing.status, missing.body.code]).toEqual([404, 'MODEL_NOT_FOUND']);
  });

  it('identify: the default threshold is the calibrated FMR 1e-5 one, and each face carries the 1:N false-match probability for this collection size', async () => {
    const answer = await postPhoto(url, `${C}/identify`, { image: photo(people[0]!.heldOut) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ threshold: calibration.defaults.identify.threshold, thresholdSource: 'default', farTarget: 1e-5, falseMatchRate: 1e-5 });
    expect(answer.body.collectionSize).toMatchObject({ faces: PEOPLE, identities: PEOPLE, complete: true });
    // Answered to 3 significant digits.
    expect(answer.body.faces[0].expectedFalseMatchProbability / (1 - (1 - 1e-5) ** PEOPLE)).toBeCloseTo(1, 2);
  });

  it('farTarget sets the threshold the calibration gives for it (at and between its points), and match follows that threshold', async () => {
    const image = photo(people[1]!.heldOut);
    const thresholds: number[] = [];
    for (const far of [1e-2, 10 ** -2.6, 1e-3, 1e-4, 1e-6]) {
      const answer = await postPhoto(url, `${C}/identify`, { image, farTarget: far, limit: PEOPLE });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ thresholdSource: 'farTarget', farTarget: far, falseMatchRate: far });
      expect(answer.body.threshold).toBeCloseTo(expectedThreshold(calibration.points, far), 5);
      // Similarities are answered to 4 decimals: only those clear of the threshold by more are checked.
      for (const m of answer.body.faces[0].matches) if (Math.abs(m.similarity - answer.body.threshold) > 1e-4) expect(m.match).toBe(m.similarity > answer.body.threshold);
      const matched = answer.body.faces[0].matches.filter((m: any) => m.match).length;
      expect(answer.body.faces[0].verdict).toBe(matched > 0 ? 'match' : 'unknown');
      thresholds.push(answer.body.threshold);
    }
    // A smaller false-match rate never lowers the threshold.
    expect(thresholds).toEqual([...thresholds].sort((a, b) => a - b));
    // The loosest target calls the enrolled person a match, and the top match is that person.
    const loose = await postPhoto(url, `${C}/identify`, { image, farTarget: 1e-2 });
    expect(loose.body.faces[0].verdict).toBe('match');
    expect(loose.body.faces[0].matches[0]).toMatchObject({ identityId: people[1]!.name, match: true });
    // An explicit threshold is answered with the FMR it means.
    const explicit = await postPhoto(url, `${C}/identify`, { image, threshold: calibration.points[4].threshold });
    expect(explicit.body).toMatchObject({ thresholdSource: 'threshold', falseMatchRate: calibration.points[4].fmr, falseMatchRateIs: 'interpolated' });
  });

  it('embedding-level /search takes farTarget on a face collection: the shards drop hits below its calibrated threshold and the answer names it; an embeddings-only collection refuses it', async () => {
    const embedded = await postPhoto(url, '/v1/embed', { image: photo(people[1]!.heldOut) });
    expect(embedded.status, JSON.stringify(embedded.body)).toBe(200);
    const vectorB64 = embedded.body.faces[0].embedding;
    const identify = await postPhoto(url, `${C}/identify`, { image: photo(people[1]!.heldOut), farTarget: 1e-2, limit: PEOPLE });
    for (const far of [1e-2, 1e-6]) {
      const answer = await call(url, 'POST', `${C}/search`, { vectorB64, k: PEOPLE, farTarget: far });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body).toMatchObject({ thresholdSource: 'farTarget', farTarget: far, falseMatchRate: far });
      expect(answer.body.threshold).toBeCloseTo(expectedThreshold(calibration.points, far), 5);
      for (const hit of answer.body.hits) expect(hit.score).toBeGreaterThanOrEqual(answer.body.threshold);
      if (far === 1e-2) {
        // The same people identify calls a match at this target, first of them the enrolled person.
        const matched = identify.body.faces[0].matches.filter((m: any) => m.match).map((m: any) => m.identityId);
        expect(answer.body.hits.map((h: any) => h.identityId)).toEqual(matched);
        expect(matched[0]).toBe(people[1]!.name);
      }
    }
    const both = await call(url, 'POST', `${C}/search`, { vectorB64, farTarget: 1e-3, minScore: 0.5 });
    expect([both.status, both.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await call(url, 'POST', '/v1/collections', { name: 'calib-plain', dimension: 128, metric: 'cosine' })).status).toBe(201);
    const plain = await call(url, 'POST', '/v1/collections/calib-plain/search', { vectorB64, farTarget: 1e-3 });
    expect([plain.status, plain.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(plain.body.message).toContain('minScore');
  });

  it('a person who is not enrolled is answered `unknown` at the default threshold, with the near misses still listed', async () => {
    const strangers = lfwSingles(4, 200);
    const answers = await inBatches(strangers, 1, (file) => postPhoto(url, `${C}/identify`, { image: photo(file), limit: 3 }));
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const face = answer.body.faces[0];
      expect(face.verdict).toBe('unknown');
      expect(face.matches.length).toBeGreaterThan(0);
      for (const m of face.matches) expect(m.match).toBe(false);
    }
  });

  it('verify takes farTarget too and says the threshold and FMR it applied; against an identity it counts its faces as comparisons', async () => {
    const p = people[2]!;
    const two = await postPhoto(url, '/v1/verify', { image1: photo(p.heldOut), image2: photo(p.enrolled[0]), farTarget: 1e-3 });
    expect(two.status, JSON.stringify(two.body)).toBe(200);
    expect(two.body).toMatchObject({ thresholdSource: 'farTarget', farTarget: 1e-3, falseMatchRate: 1e-3 });
    expect(two.body.threshold).toBeCloseTo(expectedThreshold(calibration.points, 1e-3), 5);
    expect(two.body.match).toBe(two.body.similarity >= two.body.threshold);
    const byDefault = await postPhoto(url, '/v1/verify', { image: photo(p.heldOut), collection: 'calib', identityId: p.name });
    expect(byDefault.body).toMatchObject({ threshold: calibration.defaults.verify.threshold, thresholdSource: 'default', falseMatchRate: 1e-4, comparisons: 1 });
    expect(byDefault.body.expectedFalseMatchProbability / 1e-4).toBeCloseTo(1, 2);
  });

  it('refuses threshold with farTarget, farTarget outside the calibrated range or not a number, with VALIDATION_FAILED', async () => {
    const image = photo(people[3]!.heldOut);
    const bad: Record<string, number | string>[] = [{ threshold: 0.9, farTarget: 1e-3 }, { farTarget: 1e-9 }, { farTarget: 2 }, { farTarget: 'often' }];
    for (const extra of bad) {
      const answer = await postPhoto(url, `${C}/identify`, { image, ...extra });
      expect([answer.status, answer.body.code], JSON.stringify(extra)).toEqual([400, 'VALIDATION_FAILED']);
    }
    const verify = await postPhoto(url, '/v1/verify', { image1: image, image2: image, farTarget: 1e-8 });
    expect([verify.status, verify.body.details]).toEqual([400, { min: 1e-6, max: 0.1 }]);
  });
});

const MFN_READY = SHARED_DIR !== undefined && existsSync(MOBILEFACENET_MODEL) && existsSync(YUNET_MODEL);
describe.skipIf(!MFN_READY)(MFN_READY ? 'the bring-your-own MobileFaceNet pair gets its shipped calibration only with the same model file and name' : SHARED_ABSENT_REASON, () => {
  const cluster = new TestCluster();
  afterAll(async () => {
    await cluster.stop();
  });

  it('YuNet + MobileFaceNet named mobilefacenet: calibrated defaults; under another name: no calibration, farTarget refused, rate null', async () => {
    await cluster.startShard('cm');
    const byo = { FACE_CACHE: 'memory', FACE_WORKERS: '1', FACE_DETECTOR_MODEL: YUNET_MODEL, FACE_RECOGNIZER_MODEL: MOBILEFACENET_MODEL, FACE_RECOGNIZER_NORMALISATION: 'imagenet' };
    const url = await cluster.startGateway({ ...byo, FACE_RECOGNIZER_NAME: 'mobilefacenet' });
    const model = await call(url, 'GET', '/v1/models/mobilefacenet');
    expect(model.status, JSON.stringify(model.body)).toBe(200);
    expect(model.body).toMatchObject({ id: 'mobilefacenet', detector: 'yunet', calibrated: true, defaultFarTarget: 1e-5 });
    expect(model.body.calibration).toMatchObject({ modelId: 'mobilefacenet', detector: 'yunet', modelSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(model.body.defaultThreshold).toBe(model.body.calibration.defaults.identify.threshold);
    const image = photo(lfwPeople(1, 300)[0]!.heldOut);
    const verify = await postPhoto(url, '/v1/verify', { image1: image, image2: image, farTarget: 1e-3 });
    expect(verify.body).toMatchObject({ match: true, thresholdSource: 'farTarget', falseMatchRate: 1e-3 });

    const other = await cluster.startExtraGateway({ ...byo, FACE_RECOGNIZER_NAME: 'my-arcface' });
    const listed = await call(other, 'GET', '/v1/models');
    expect(listed.body.models[0]).toMatchObject({ id: 'my-arcface', calibrated: false, defaultFarTarget: null });
    const refused = await postPhoto(other, '/v1/verify', { image1: image, image2: image, farTarget: 1e-3 });
    expect([refused.status, refused.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    const explicit = await postPhoto(other, '/v1/verify', { image1: image, image2: image, threshold: 0.5 });
    expect(explicit.body).toMatchObject({ match: true, threshold: 0.5, thresholdSource: 'threshold', falseMatchRate: null });
  }, 180_000);

  it('FACE_RECOGNIZER_FUSION=dlib: the fused model (256-D) gets its own shipped calibration; another weight gets none', async () => {
    const byo = { FACE_CACHE: 'memory', FACE_WORKERS: '1', FACE_DETECTOR_MODEL: YUNET_MODEL, FACE_RECOGNIZER_MODEL: MOBILEFACENET_MODEL, FACE_RECOGNIZER_NORMALISATION: 'imagenet', FACE_RECOGNIZER_NAME: 'mobilefacenet', FACE_RECOGNIZER_FUSION: 'dlib' };
    const url = await cluster.startExtraGateway(byo);
    const model = await call(url, 'GET', '/v1/models/dlib-resnet-v1+mobilefacenet');
    expect(model.status, JSON.stringify(model.body)).toBe(200);
    expect(model.body).toMatchObject({ id: 'dlib-resnet-v1+mobilefacenet', dimension: 256, detector: 'yunet', calibrated: true, defaultFarTarget: 1e-5 });
    expect(model.body.calibration).toMatchObject({ modelId: 'dlib-resnet-v1+mobilefacenet', detector: 'yunet' });
    const [a, b] = lfwPeople(2, 300);
    const same = await postPhoto(url, '/v1/verify', { image1: photo(a!.enrolled[0]), image2: photo(a!.heldOut), farTarget: 1e-3 });
    expect(same.body).toMatchObject({ match: true, thresholdSource: 'farTarget', falseMatchRate: 1e-3 });
    const different = await postPhoto(url, '/v1/verify', { image1: photo(a!.enrolled[0]), image2: photo(b!.heldOut), farTarget: 1e-3 });
    expect(different.body).toMatchObject({ match: false });

    const reweighted = await cluster.startExtraGateway({ ...byo, FACE_RECOGNIZER_FUSION_WEIGHT: '0.5' });
    const listed = await call(reweighted, 'GET', '/v1/models');
    expect(listed.body.models[0]).toMatchObject({ id: 'dlib-resnet-v1+mobilefacenet@0.5', dimension: 256, calibrated: false });
  }, 180_000);
});
