import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGatewayConfig } from '../../apps/gateway/src/config/gateway-config';
import { startPlatform, type RunningPlatform } from '../../apps/platform/src/start-platform';
import { call } from '../support/cluster-harness';
import { SHARED_ABSENT_REASON, SHARED_DIR } from '../vision/shared-fixtures';
import { garbage } from './bad-images';
import { lfwPeople } from './lfw-gallery';
import { photo, postPhoto } from './photo-client';

/**
 * API keys on the face routes (the embedding routes are covered by test/access): the embedded
 * platform with keys on, the real models and LFW photos. Each refusal must come before any
 * photo work — garbage bytes without a key answer 401, not 400 IMAGE_INVALID.
 */
const skipReason = !SHARED_DIR ? SHARED_ABSENT_REASON : undefined;

describe.skipIf(skipReason)(skipReason ?? 'API keys on the face routes (embedded platform, real models, LFW photos)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceshard-face-access-'));
  const env = { DATA_DIR: dataDir, PORT: '0', FACESHARD_AUTH: 'on', FACE_WORKERS: '1', FACE_CACHE: 'memory' };
  let platform: RunningPlatform | undefined;
  let url = '';
  const keys = { admin: '', staffWriter: '', staffReader: '', guestsReader: '' };
  const [alice, bob] = SHARED_DIR ? lfwPeople(2) : [];
  const withKey = (key: string | undefined): Record<string, string> => (key ? { 'x-api-key': key } : {});

  beforeAll(async () => {
    platform = await startPlatform(readGatewayConfig(env), env);
    url = platform.gateway.url;
    keys.admin = platform.gateway.firstAdminKey!;
    const admin = withKey(keys.admin);
    for (const name of ['staff', 'guests']) {
      expect((await call(url, 'POST', '/v1/collections', { name, model: 'dlib-resnet-v1' }, admin)).status).toBe(201);
    }
    const mint = async (name: string, role: string, collections: string[]) =>
      (await call(url, 'POST', '/v1/keys', { name, role, collections }, admin)).body.key as string;
    keys.staffWriter = await mint('staff-writer', 'write', ['staff']);
    keys.staffReader = await mint('staff-reader', 'read', ['staff']);
    keys.guestsReader = await mint('guests-reader', 'read', ['guests']);
  }, 120_000);

  afterAll(async () => {
    await platform?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 401 UNAUTHORIZED on every photo route without a key or with a wrong one, before reading the photo', async () => {
    const wrong = keys.admin.slice(0, -2) + (keys.admin.endsWith('AA') ? 'BB' : 'AA');
    const routes: Array<[string, Record<string, Buffer | string>]> = [
      ['/v1/collections/staff/identities/alice/faces', { image: garbage(4096) }],
      ['/v1/collections/staff/identify', { image: garbage(4096) }],
      ['/v1/verify', { image1: garbage(4096), image2: garbage(4096) }],
      ['/v1/detect', { image: garbage(4096) }],
      ['/v1/embed', { image: garbage(4096) }],
    ];
    for (const key of [undefined, wrong]) {
      for (const [path, parts] of routes) {
        const answer = await postPhoto(url, path, parts, withKey(key));
        expect(answer.status, `${path} key=${key ? 'wrong' : 'none'}`).toBe(401);
        expect(answer.body).toMatchObject({ code: 'UNAUTHORIZED', retryable: false });
      }
    }
    expect((await call(url, 'GET', '/v1/models')).status).toBe(401);
    expect((await call(url, 'GET', '/v1/collections/staff/identities')).status).toBe(401);
  });

  it('lets a write key scoped to the collection enrol, and refuses enrolment to a read key (403 FORBIDDEN)', async () => {
    const byReader = await postPhoto(url, '/v1/collections/staff/identities/alice/faces', { image: garbage(4096) }, withKey(keys.staffReader));
    expect(byReader.status).toBe(403);
    expect(byReader.body).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    for (const [id, person] of [['alice', alice!], ['bob', bob!]] as const) {
      const enrolled = await postPhoto(url, `/v1/collections/staff/identities/${id}/faces`, { image: photo(person.enrolled[0]) }, withKey(keys.staffWriter));
      expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(201);
    }
    const otherCollection = await postPhoto(url, '/v1/collections/guests/identities/alice/faces', { image: photo(alice!.enrolled[0]) }, withKey(keys.staffWriter));
    expect(otherCollection.status).toBe(403);
    expect(otherCollection.body.code).toBe('FORBIDDEN');
  }, 120_000);

  it('lets a read key identify and verify in its own collection, and refuses another collection (403)', async () => {
    const identified = await postPhoto(url, '/v1/collections/staff/identify', { image: photo(alice!.heldOut) }, withKey(keys.staffReader));
    expect(identified.status, JSON.stringify(identified.body)).toBe(200);
    expect(identified.body.faces[0].matches[0].identityId).toBe('alice');

    const outOfScope = await postPhoto(url, '/v1/collections/staff/identify', { image: photo(alice!.heldOut) }, withKey(keys.guestsReader));
    expect(outOfScope.status).toBe(403);
    expect(outOfScope.body.code).toBe('FORBIDDEN');

    // The enrolled photo itself: this test is about access, not accuracy, so the match is certain.
    const verifyParts = { image: photo(bob!.enrolled[0]), collection: 'staff', identityId: 'bob' };
    const verified = await postPhoto(url, '/v1/verify', verifyParts, withKey(keys.staffReader));
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body.match).toBe(true);
    // The collection arrives as a multipart field, after the guard: the scope is checked there too.
    const verifyOutOfScope = await postPhoto(url, '/v1/verify', verifyParts, withKey(keys.guestsReader));
    expect(verifyOutOfScope.status).toBe(403);
    expect(verifyOutOfScope.body.code).toBe('FORBIDDEN');

    // Photo-only routes name no collection: any valid key may use them.
    expect((await postPhoto(url, '/v1/detect', { image: photo(bob!.heldOut) }, withKey(keys.guestsReader))).status).toBe(200);
  }, 120_000);

  it('refuses face and identity deletion to a read key and allows it to the scoped write key', async () => {
    const listed = await call(url, 'GET', '/v1/collections/staff/identities/alice', undefined, withKey(keys.staffReader));
    expect(listed.status).toBe(200);
    const faceId = listed.body.faceIds[0] as string;
    const facePath = `/v1/collections/staff/identities/alice/faces/${faceId}`;
    expect((await call(url, 'DELETE', facePath, undefined, withKey(keys.staffReader))).status).toBe(403);
    expect((await call(url, 'DELETE', facePath, undefined, withKey(keys.guestsReader))).status).toBe(403);
    expect((await call(url, 'GET', '/v1/collections/staff/identities/alice', undefined, withKey(keys.staffReader))).body.faceIds).toContain(faceId);
    expect((await call(url, 'DELETE', facePath, undefined, withKey(keys.staffWriter))).status).toBe(200);
    expect((await call(url, 'DELETE', '/v1/collections/staff/identities/bob', undefined, withKey(keys.staffReader))).status).toBe(403);
    expect((await call(url, 'DELETE', '/v1/collections/staff/identities/bob', undefined, withKey(keys.staffWriter))).status).toBe(200);
  });
});
