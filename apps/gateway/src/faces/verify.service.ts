import { Inject, Injectable } from '@nestjs/common';
import { Packr } from 'msgpackr';
import { FaceshardError, type CollectionSpec } from '@faceshard/contracts';
import { cosineSimilarity } from '@faceshard/vision';
import { FACE_CACHE } from '../cache/face-cache.provider';
import type { FaceCache } from '../cache/face-cache';
import { FaceAnalysisService, type PhotoAnalysis } from './face-analysis.service';
import { FaceCollectionsService } from './face-collections.service';
import { FacePipelineService } from './face-pipeline.service';
import { describeFace, selectFaces, type SelectedFace } from './face-selection';
import { identityCacheGroup } from './identity-cache';
import { CalibrationService } from './calibration.service';
import { falseMatchProbability, thresholdFields } from './threshold-answer';

/** threshold or farTarget (one of them at most); neither = the model's calibrated verify default. */
export interface VerifyThreshold {
  threshold?: number;
  farTarget?: number;
}

const packr = new Packr({ useRecords: false, moreTypes: true });

interface IdentityVectors {
  faceIds: string[];
  vectors: Float32Array[];
}

/** 1:1: are two faces the same person? Photo vs photo, or photo vs an enrolled identity. */
@Injectable()
export class VerifyService {
  constructor(
    @Inject(FACE_CACHE) private readonly cache: FaceCache,
    private readonly analysis: FaceAnalysisService,
    private readonly pipeline: FacePipelineService,
    private readonly faceCollections: FaceCollectionsService,
    private readonly calibration: CalibrationService,
  ) {}

  async twoPhotos(photo1: Buffer, photo2: Buffer, requested: VerifyThreshold = {}) {
    const model = await this.pipeline.model();
    const applied = await this.calibration.resolve(requested, 'verify');
    const [a, b] = await Promise.all([this.analysis.analyze(photo1), this.analysis.analyze(photo2)]);
    const face1 = largestFace(a, 'image1');
    const face2 = largestFace(b, 'image2');
    const similarity = dot(face1.face.embedding, face2.face.embedding);
    return { similarity: round(similarity), match: similarity >= applied.threshold, ...thresholdFields(applied), model: model.id, faces: [describeFace(face1), describeFace(face2)] };
  }

  /** The photo's largest face against every enrolled face of the identity: the best similarity decides. */
  async photoAgainstIdentity(photo: Buffer, collectionName: string, identityId: string, requested: VerifyThreshold = {}) {
    const { collection, model } = await this.faceCollections.require(collectionName);
    const applied = await this.calibration.resolve(requested, 'verify');
    const [analysis, enrolled] = await Promise.all([this.analysis.analyze(photo), this.identityVectors(collection, identityId, model.id)]);
    const face = largestFace(analysis, 'image');
    if (enrolled.vectors.length === 0) throw new FaceshardError('NO_FACE', `identity "${identityId}" has no enrolled face`);
    let best = { similarity: -Infinity, faceId: '' };
    enrolled.vectors.forEach((vector, i) => {
      const similarity = dot(face.face.embedding, vector);
      if (similarity > best.similarity) best = { similarity, faceId: enrolled.faceIds[i]! };
    });
    return {
      similarity: round(best.similarity),
      match: best.similarity >= applied.threshold,
      ...thresholdFields(applied),
      /** The best of several enrolled faces: a stranger gets one chance per face. */
      comparisons: enrolled.vectors.length,
      expectedFalseMatchProbability: falseMatchProbability(applied, enrolled.vectors.length),
      model: model.id,
      faces: [describeFace(face), { collection: collection.name, identityId, faceId: best.faceId }],
    };
  }

  /**
   * The identity's enrolled vectors, cached under the identity's group: any write to or delete of
   * the identity drops the group (IdentityCacheInvalidator), so a deleted identity never verifies.
   */
  private async identityVectors(collection: CollectionSpec, identityId: string, modelId: string): Promise<IdentityVectors> {
    const group = identityCacheGroup(collection.name, identityId);
    const field = `vectors:${modelId}:${collection.generation ?? 0}`;
    const hit = await this.cache.getInGroup(group, field);
    if (hit) return packr.unpack(hit) as IdentityVectors;
    const identity = await this.faceCollections.identity(collection, identityId, true);
    const value: IdentityVectors = { faceIds: identity.faceIds, vectors: identity.vectors ?? [] };
    await this.cache.setInGroup(group, field, packr.pack(value));
    return value;
  }
}

function largestFace(analysis: PhotoAnalysis, which: string): SelectedFace {
  const [face] = selectFaces(analysis, { maxFaces: 1 });
  if (!face) throw new FaceshardError('NO_FACE', `no face found in ${which}`, { image: which });
  return face;
}

/** The embeddings are unit vectors: cosine is their dot product. */
function dot(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new FaceshardError('MODEL_MISMATCH', `embeddings of ${a.length} and ${b.length} dimensions cannot be compared`);
  return cosineSimilarity(a, b);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
