import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { call, TestCluster } from '../support/cluster-harness';
import { SHARED_ABSENT_REASON, SHARED_DIR } from '../vision/shared-fixtures';
import { garbage, groupPhoto, noFacePhoto, pngClaiming, SVG, truncated } from './bad-images';
import { lfwPeople, lfwSingles, type LfwPerson } from './lfw-gallery';
import { inBatches, photo, postPhoto } from './photo-client';

/**
 * The face API end to end: a real NATS cluster (2 shard processes), a gateway with the real
 * models on worker threads, Redis as the cache, LFW photos. One cluster and one enrolled gallery
 * are shared by every test (they run in order) to keep the file's runtime modest.
 */
const MODEL_CACHE = process.env.FACESHARD_MODEL_CACHE;
const skipReason = !SHARED_DIR
  ? SHARED_ABSENT_REASON
  : undefined;

const PEOPLE = 50;
const MAX_IMAGE_BYTES = 1_000_000;

describe.skipIf(skipReason)(skipReason ?? 'face API on a 2-shard NATS cluster with Redis and LFW photos', () => {
  const cluster = new TestCluster();
  let url = '';
  let people: LfwPerson[] = [];
  /** faceId per enrolled photo path. */
  const faceIdOf = new Map<string, string>();
  const C = '/v1/collections/lfw';

  beforeAll(async () => {
    people = lfwPeople(PEOPLE);
    for (const p of people) for (const file of [...p.enrolled, p.heldOut]) if (!existsSync(file)) throw new Error(`LFW photo missing: ${file}`);
    await Promise.all([cluster.startShard('fa'), cluster.startShard('fb')]);
    url = await cluster.startGateway({
      REDIS_URL: 'redis://127.0.0.1:6379',
      FACE_CACHE: 'redis',
      // Generous on a shared 2-core machine: a Redis answer slower than this counts as degraded.
      FACE_CACHE_TIMEOUT_MS: '1000',
      FACE_WORKERS: '2',
      FACE_QUEUE: '2',
      MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
      ...(MODEL_CACHE ? { FACESHARD_MODEL_CACHE: MODEL_CACHE } : {}),
    });
    await cluster.waitForMembers(['fa', 'fb']);
    const models = await call(url, 'GET', '/v1/models');
    expect(models.status).toBe(200);
    const model = models.body.models[0];
    expect(model).toMatchObject({ id: 'dlib-resnet-v1', dimension: 128, metric: 'cosine', detector: 'blazeface' });
    expect((await call(url, 'POST', '/v1/collections', { name: 'lfw', model: model.id })).body).toMatchObject({ dimension: 128, model: 'dlib-resnet-v1' });

    // 50 people x 2 photos, externalId = file name; at most 2 in flight (the queue holds 2 more).
    const jobs = people.flatMap((p) => p.enrolled.map((file) => ({ p, file })));
    const answers = await inBatches(jobs, 2, ({ p, file }) =>
      postPhoto(url, `${C}/identities/${p.name}/faces`, { image: photo(file), externalId: file.split('/').pop()! }),
    );
    answers.forEach((answer, i) => {
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      faceIdOf.set(jobs[i]!.file, answer.body.faceId);
    });
  }, 240_000);

  afterAll(async () => {
    await cluster.stop();
  });

  it('enrols 50 people on both shards, with faceId, externalId, quality and enrolled time per face', async () => {
    const cluster_ = await call(url, 'GET', '/v1/cluster');
    const counts = cluster_.body.members.map((m: any) => m.collections?.find((c: any) => c.name === 'lfw')?.identities ?? 0);
    expect(counts.every((n: number) => n > 0)).toBe(true);
    expect(counts.reduce((a: number, b: number) => a + b, 0)).toBe(PEOPLE);
    const one = await call(url, 'GET', `${C}/identities/${people[0]!.name}`);
    expect(one.body.faceIds).toHaveLength(2);
    for (const face of one.body.faces) {
      expect(face.meta.externalId).toMatch(/_000[12]\.jpg$/);
      expect(face.meta.quality).toBeGreaterThan(0);
      expect(Date.parse(face.meta.enrolledAt)).toBeGreaterThan(Date.now() - 600_000);
    }
    // Cursor pagination walks every identity exactly once, in id order.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await call(url, 'GET', `${C}/identities?limit=15${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.identities.map((i: any) => i.identityId));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(people.map((p) => p.name).sort());
  });

  it('identifies held-out photos: the right person on top for the great majority', async () => {
    // At the loosest calibrated false-match rate (1e-2 per comparison): what is measured here is
    // ranking; the default threshold (FMR 1e-5) is tested in calibration-api.test.ts.
    const answers = await inBatches(people, 2, (p) => postPhoto(url, `${C}/identify`, { image: photo(p.heldOut), limit: 3, farTarget: 1e-2 }));
    let correct = 0;
    answers.forEach((answer, i) => {
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.body.partial).toBe(false);
      const top = answer.body.faces[0]?.matches[0];
      if (top?.identityId === people[i]!.name && top.match) correct++;
    });
    console.log(`faces-api: held-out identify correct and matched on top: ${correct}/${PEOPLE}`);
    expect(correct).toBeGreaterThanOrEqual(40);
  });

  it('answers a never-enrolled person with no match', async () => {
    const strangers = lfwSingles(5);
    const answers = await inBatches(strangers, 2, (file) => postPhoto(url, `${C}/identify`, { image: photo(file) }));
    const matched = answers.filter((a) => a.body.faces?.[0]?.matches.some((m: any) => m.match));
    for (const a of answers) expect(a.status).toBe(200);
    expect(matched.length).toBeLessThanOrEqual(1);
    expect(answers[0]!.body.faces[0].matches[0].match).toBe(matched.includes(answers[0]!));
  });

  it('answers every face of a group photo in one request, largest first, each with box, keypoints, quality and matches', async () => {
    const members = people.slice(0, 4);
    const group = await groupPhoto(members.map((p) => photo(p.heldOut)));
    const answer = await postPhoto(url, `${C}/identify`, { image: group, limit: 2 });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const faces = answer.body.faces;
    expect(faces.length).toBeGreaterThanOrEqual(3);
    const areas = faces.map((f: any) => f.box.width * f.box.height);
    expect(areas).toEqual([...areas].sort((a, b) => b - a));
    for (const face of faces) {
      expect(face.keypoints.leftEye).toBeDefined();
      expect(face.quality.overall).toBeGreaterThan(0);
      expect(face.matches.length).toBeGreaterThan(0);
    }
    const found = new Set(faces.map((f: any) => f.matches[0].identityId));
    expect(members.filter((p) => found.has(p.name)).length).toBeGreaterThanOrEqual(3);
    // maxFaces cuts the list to the largest; requireSingleFace refuses a group photo.
    expect((await postPhoto(url, `${C}/identify`, { image: group, maxFaces: 1 })).body.faces).toHaveLength(1);
    const single = await postPhoto(url, `${C}/identities/group-test/faces`, { image: group, requireSingleFace: true });
    expect([single.status, single.body.code]).toEqual([422, 'MULTIPLE_FACES']);
  });

  it('verifies same and different people, photo against photo and photo against an identity', async () => {
    const [a, b] = people;
    const same = await postPhoto(url, '/v1/verify', { image1: photo(a!.heldOut), image2: photo(a!.enrolled[0]) });
    const different = await postPhoto(url, '/v1/verify', { image1: photo(a!.heldOut), image2: photo(b!.heldOut) });
    expect(same.status).toBe(200);
    // The default threshold is the model's calibrated verify threshold (GET /v1/models/:id).
    const calibration = (await call(url, 'GET', '/v1/models/dlib-resnet-v1')).body.calibration;
    expect(same.body).toMatchObject({ match: true, threshold: calibration.defaults.verify.threshold, thresholdSource: 'default' });
    expect(different.body.match).toBe(false);
    expect(same.body.similarity).toBeGreaterThan(different.body.similarity);
    const vsIdentity = await postPhoto(url, '/v1/verify', { image: photo(a!.heldOut), collection: 'lfw', identityId: a!.name });
    expect(vsIdentity.body.match).toBe(true);
    expect(vsIdentity.body.faces[1].identityId).toBe(a!.name);
    const vsOther = await postPhoto(url, '/v1/verify', { image: photo(a!.heldOut), collection: 'lfw', identityId: b!.name });
    expect(vsOther.body.match).toBe(false);
  });

  it('re-enrolling by the same externalId stores one face and answers the same faceId', async () => {
    const p = people[1]!;
    const file = p.enrolled[0];
    const again = await postPhoto(url, `${C}/identities/${p.name}/faces`, { image: photo(file), externalId: file.split('/').pop()! });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, faceId: faceIdOf.get(file) });
    expect((await call(url, 'GET', `${C}/identities/${p.name}`)).body.faceIds).toHaveLength(2);
  });

  it('re-enrolling the same photo without externalId answers created false with the face as first stored', async () => {
    const p = people[9]!;
    const image = photo(p.heldOut);
    const first = await postPhoto(url, `${C}/identities/${p.name}/faces`, { image });
    const again = await postPhoto(url, `${C}/identities/${p.name}/faces`, { image });
    expect([first.status, first.body.created]).toEqual([201, true]);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, faceId: first.body.faceId, enrolledAt: first.body.enrolledAt });
    const stored = (await call(url, 'GET', `${C}/identities/${p.name}`)).body.faceIds;
    expect(stored.filter((id: string) => id === first.body.faceId)).toHaveLength(1);
  });

  it('deletes a face and an identity: gone from search on every shard and from the cache', async () => {
    const [, , c, d] = people;
    // A face: its photo no longer finds that face.
    const faceId = faceIdOf.get(c!.enrolled[0])!;
    expect((await call(url, 'DELETE', `${C}/identities/${c!.name}/faces/${faceId}`)).status).toBe(200);
    expect((await call(url, 'GET', `${C}/identities/${c!.name}`)).body.faceIds).toEqual([faceIdOf.get(c!.enrolled[1])]);
    const afterFace = await postPhoto(url, `${C}/identify`, { image: photo(c!.enrolled[0]), limit: 10 });
    expect(afterFace.body.faces[0].matches.map((m: any) => m.faceId)).not.toContain(faceId);
    expect((await call(url, 'DELETE', `${C}/identities/${c!.name}/faces/${faceId}`)).body.code).toBe('FACE_NOT_FOUND');

    // An identity: verify against it first (its vectors are now cached), then delete it.
    expect((await postPhoto(url, '/v1/verify', { image: photo(d!.heldOut), collection: 'lfw', identityId: d!.name })).body.match).toBe(true);
    expect((await call(url, 'DELETE', `${C}/identities/${d!.name}`)).status).toBe(200);
    const search = await postPhoto(url, `${C}/identify`, { image: photo(d!.enrolled[0]), limit: 50 });
    expect(search.body.partial).toBe(false); // every shard answered, and none holds it
    expect(search.body.faces[0].matches.map((m: any) => m.identityId)).not.toContain(d!.name);
    const verifyGone = await postPhoto(url, '/v1/verify', { image: photo(d!.heldOut), collection: 'lfw', identityId: d!.name });
    expect([verifyGone.status, verifyGone.body.code]).toEqual([404, 'IDENTITY_NOT_FOUND']);
  });

  it('serves a repeated photo from the cache, and the same answer with Redis unreachable', async () => {
    const probe = photo(people[5]!.heldOut);
    const first = await postPhoto(url, `${C}/identify`, { image: probe });
    const second = await postPhoto(url, `${C}/identify`, { image: probe });
    expect(second.body.cached).toBe(true);
    expect(second.body.faces).toEqual(first.body.faces);
    expect((await call(url, 'GET', '/health')).body.faces.cache).toMatchObject({ kind: 'redis', state: 'ok' });

    // A second gateway whose Redis is a closed port: requests succeed uncached, health says degraded.
    const noRedis = await cluster.startExtraGateway({ REDIS_URL: 'redis://127.0.0.1:1', FACE_CACHE: 'redis', FACE_WORKERS: '1', ...(MODEL_CACHE ? { FACESHARD_MODEL_CACHE: MODEL_CACHE } : {}) });
    const started = Date.now();
    const without = await postPhoto(noRedis, `${C}/identify`, { image: probe });
    expect(without.status).toBe(200);
    expect(without.body.cached).toBe(false);
    expect(without.body.faces.map((f: any) => f.matches)).toEqual(first.body.faces.map((f: any) => f.matches));
    expect(Date.now() - started).toBeLessThan(30_000); // model load included; never hung on Redis
    expect((await call(noRedis, 'GET', '/health')).body.faces.cache.state).toBe('degraded');
    expect((await call(noRedis, 'GET', '/v1/cluster')).body.faces.cache.state).toBe('degraded');
  }, 60_000);

  it('refuses bad photos with their codes before any pipeline work', async () => {
    const expectCode = async (image: Buffer, status: number, code: string, path = `${C}/identify`) => {
      const answer = await postPhoto(url, path, { image });
      expect([answer.status, answer.body.code], JSON.stringify(answer.body)).toEqual([status, code]);
    };
    await expectCode(garbage(5000), 400, 'IMAGE_INVALID');
    await expectCode(truncated(photo(people[6]!.heldOut)), 400, 'IMAGE_TRUNCATED');
    await expectCode(pngClaiming(50_000, 50_000), 413, 'IMAGE_TOO_LARGE');
    await expectCode(SVG, 415, 'IMAGE_UNSUPPORTED_TYPE');
    await expectCode(await noFacePhoto(), 422, 'NO_FACE');
    await expectCode(Buffer.concat([photo(people[6]!.heldOut), garbage(MAX_IMAGE_BYTES)]), 413, 'IMAGE_TOO_LARGE', '/v1/detect');
    await expectCode(photo(people[6]!.heldOut), 404, 'COLLECTION_NOT_FOUND', '/v1/collections/nope/identify');
    // The same through base64 JSON.
    const json = await call(url, 'POST', '/v1/detect', { image: garbage(3000).toString('base64') });
    expect([json.status, json.body.code]).toEqual([400, 'IMAGE_INVALID']);
    const missing = await postPhoto(url, '/v1/verify', { image: photo(people[6]!.heldOut), collection: 'lfw', identityId: 'nobody' });
    expect([missing.status, missing.body.code]).toEqual([404, 'IDENTITY_NOT_FOUND']);
  });

  it('refuses maxFaces and minQuality out of range on every photo route, instead of answering no faces', async () => {
    const image = photo(people[7]!.heldOut);
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['/v1/detect', { maxFaces: 0 }, /maxFaces must be an integer in 1\.\.20, got 0/],
      ['/v1/embed', { maxFaces: -1 }, /maxFaces must be an integer/],
      ['/v1/detect', { maxFaces: 21 }, /maxFaces must be an integer in 1\.\.20, got 21/],
      ['/v1/detect', { minQuality: 2 }, /minQuality is a face quality within \[0, 1\]/],
      [`${C}/identify`, { minQuality: -0.5 }, /minQuality is a face quality within \[0, 1\]/],
      [`${C}/identities/range-test/faces`, { minQuality: 1.5 }, /minQuality is a face quality within \[0, 1\]/],
    ];
    for (const [path, options, message] of cases) {
      const answer = await postPhoto(url, path, { image, ...options });
      expect([answer.status, answer.body.code], `${path} ${JSON.stringify(options)}`).toEqual([400, 'VALIDATION_FAILED']);
      expect(answer.body.message).toMatch(message);
    }
    // The bounds themselves are accepted: every face, and quality 0 keeps them all.
    expect((await postPhoto(url, '/v1/detect', { image, maxFaces: 20, minQuality: 0 })).body.faces.length).toBeGreaterThan(0);
    expect((await call(url, 'GET', `${C}/identities/range-test`)).status).toBe(404);
  });

  it('detects and embeds: faces with boxes, keypoints, quality; embeddings as base64 float32', async () => {
    const detect = await call(url, 'POST', '/v1/detect', { image: photo(people[7]!.heldOut).toString('base64') });
    expect(detect.status).toBe(200);
    expect(detect.body.faces[0]).toMatchObject({ box: expect.any(Object), keypoints: expect.any(Object), quality: expect.any(Object) });
    const embed = await postPhoto(url, '/v1/embed', { image: photo(people[7]!.heldOut) });
    const vector = new Float32Array(new Uint8Array(Buffer.from(embed.body.faces[0].embedding, 'base64')).buffer);
    expect(vector).toHaveLength(128);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 3);
    // MIME-style base64 (wrapped every 76 characters, as the base64 command writes it) is the same photo.
    const wrapped = photo(people[7]!.heldOut).toString('base64').match(/.{1,76}/g)!.join('\n') + '\n';
    const fromWrapped = await call(url, 'POST', '/v1/detect', { image: wrapped });
    expect([fromWrapped.status, fromWrapped.body.faces?.[0]?.box]).toEqual([200, detect.body.faces[0].box]);
    // The photo's bytes sent as a text field (curl -F "image=<photo.jpg") are refused for what they are.
    const asText = await postPhoto(url, '/v1/detect', { image: 'not a file part' });
    expect([asText.status, asText.body.code, asText.body.message]).toEqual([400, 'VALIDATION_FAILED', '"image" must be a file part (curl -F image=@photo.jpg), not a text field']);
  });

  it('answers 429 BUSY with Retry-After when the pipeline queue is full, and recovers', async () => {
    // 2 workers + 2 queued; 16 distinct uncached photos at once overflow it.
    const flood = lfwSingles(16, 10).map((file) => photo(file));
    const answers = await Promise.all(flood.map((image) => postPhoto(url, '/v1/detect', { image })));
    const busy = answers.filter((a) => a.status === 429);
    expect(busy.length).toBeGreaterThan(0);
    for (const a of busy) {
      expect(a.body.code).toBe('BUSY');
      expect(a.headers.get('retry-after')).toBe('1');
    }
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    expect((await postPhoto(url, '/v1/detect', { image: flood[0]! })).status).toBe(200);
  });
});
