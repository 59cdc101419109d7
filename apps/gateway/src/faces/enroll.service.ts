import { Injectable } from '@nestjs/common';
import { FaceshardError, type Attributes, type CollectionSpec, type FaceMeta, type StoredIdentity } from '@faceshard/contracts';
import { checkName } from '../common/ids';
import { contentDigest, contentFaceId } from '../common/content-id';
import { IdentitiesService } from '../identities/identities.service';
import { CollectionsService } from '../collections/collections.service';
import { FaceAnalysisService } from './face-analysis.service';
import { FaceCollectionsService } from './face-collections.service';
import { describeFace, selectFaces } from './face-selection';
import { checkedMinQuality } from './photo-option-bounds';

export interface EnrollOptions {
  externalId?: string;
  minQuality?: number;
  requireSingleFace?: boolean;
}

/** Enrolment and the per-face edits of an identity. */
@Injectable()
export class EnrollService {
  constructor(
    private readonly analysis: FaceAnalysisService,
    private readonly faceCollections: FaceCollectionsService,
    private readonly identities: IdentitiesService,
    private readonly collections: CollectionsService,
  ) {}

  /**
   * The photo's face (the largest, unless requireSingleFace refuses several) becomes a face of the
   * identity, which is created if new. The faceId is derived from the externalId (so the same
   * externalId twice stores one face) or else from the embedding (so a retried request stores one);
   * a face already enrolled under that id answers `created: false` with what was stored.
   */
  async enroll(collectionName: string, identityId: string, photo: Buffer, options: EnrollOptions) {
    checkName('identity', identityId);
    if (options.externalId !== undefined && (options.externalId.length === 0 || options.externalId.length > 256)) {
      throw new FaceshardError('VALIDATION_FAILED', 'externalId must be 1-256 characters');
    }
    checkedMinQuality(options.minQuality);
    const { collection, model } = await this.faceCollections.require(collectionName);
    const analysis = await this.analysis.analyze(photo);
    const faces = selectFaces(analysis, { maxFaces: Number.MAX_SAFE_INTEGER });
    if (faces.length === 0) throw new FaceshardError('NO_FACE', 'no face found in the photo');
    if (options.requireSingleFace && faces.length > 1) {
      throw new FaceshardError('MULTIPLE_FACES', `the photo holds ${faces.length} faces and requireSingleFace is set`, { faces: faces.length });
    }
    const chosen = faces[0]!;
    if (options.minQuality !== undefined && chosen.quality < options.minQuality) {
      throw new FaceshardError('FACE_QUALITY_TOO_LOW', `the face's quality ${chosen.quality} is under minQuality ${options.minQuality}`, {
        quality: describeFace(chosen).quality,
      });
    }
    const faceId = options.externalId !== undefined ? `x-${contentDigest(options.externalId)}` : contentFaceId(chosen.face.embedding);
    const described = describeFace(chosen);

    // Either way the id names what was enrolled, so a face already there is this request done
    // before (a retry after a timeout, a client's second try): answer it as it is, unchanged.
    const existing = await this.existingFace(collection, identityId, faceId);
    if (existing) return { created: false, identityId, faceId, externalId: options.externalId, ...(existing.meta ?? {}), model: model.id };
    const meta: FaceMeta = {
      ...(options.externalId !== undefined ? { externalId: options.externalId } : {}),
      quality: chosen.quality,
      box: described.box,
      enrolledAt: new Date().toISOString(),
      photoSha256: analysis.photoHash,
    };
    await this.identities.write(collection, { identityId, mode: 'append', faces: [{ faceId, vector: chosen.face.embedding, meta }] });
    return { created: true, identityId, faceId, ...described, externalId: options.externalId, enrolledAt: meta.enrolledAt, facesInPhoto: faces.length, model: model.id };
  }

  async deleteFace(collectionName: string, identityId: string, faceId: string) {
    const collection = await this.collections.require(collectionName);
    checkName('face', faceId);
    const identity = await this.faceCollections.identity(collection, identityId);
    if (!identity.faceIds.includes(faceId)) throw new FaceshardError('FACE_NOT_FOUND', `identity "${identityId}" has no face "${faceId}"`);
    await this.identities.write(collection, { identityId, mode: 'append', faces: [], removeFaceIds: [faceId] });
    return { deleted: true, identityId, faceId };
  }

  /** Replaces the identity's attributes; its faces stay. */
  async setAttributes(collectionName: string, identityId: string, attributes: Attributes) {
    const collection = await this.collections.require(collectionName);
    await this.faceCollections.identity(collection, identityId);
    await this.identities.write(collection, { identityId, mode: 'append', faces: [], attributes });
    return { identityId, attributes };
  }

  private async existingFace(collection: CollectionSpec, identityId: string, faceId: string): Promise<{ meta?: FaceMeta } | undefined> {
    let identity: StoredIdentity;
    try {
      identity = await this.faceCollections.identity(collection, identityId);
    } catch (error) {
      if (error instanceof FaceshardError && error.code === 'IDENTITY_NOT_FOUND') return undefined;
      throw error;
    }
    if (!identity.faceIds.includes(faceId)) return undefined;
    return identity.faces?.find((f) => f.faceId === faceId) ?? {};
  }
}
