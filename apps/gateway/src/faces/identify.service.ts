import { Inject, Injectable } from '@nestjs/common';
import { FaceshardError, type Attributes } from '@faceshard/contracts';
import { readAttributeFilter } from '@faceshard/query';
import { SearchService } from '../search/search.service';
import type { FacesConfig } from './faces-config';
import { FACES_CONFIG } from './faces.tokens';
import { FaceAnalysisService } from './face-analysis.service';
import { FaceCollectionsService } from './face-collections.service';
import { describeFace, selectFaces } from './face-selection';
import { boundedInteger, checkedMinQuality } from './photo-option-bounds';
import { CalibrationService } from './calibration.service';
import { CollectionSizeService } from './collection-size.service';
import { falseMatchProbability, thresholdFields } from './threshold-answer';

export interface IdentifyOptions {
  maxFaces?: number;
  limit?: number;
  threshold?: number;
  /** A false-match rate per comparison (e.g. 1e-5): the threshold is taken from the model's calibration. */
  farTarget?: number;
  minQuality?: number;
  filter?: Record<string, unknown>;
  ef?: number;
}

export interface FaceMatch {
  identityId: string;
  faceId: string;
  similarity: number;
  match: boolean;
  attributes?: Attributes;
}

/** 1:N for every face of a photo, all faces in one fan-out round (searchMany). */
@Injectable()
export class IdentifyService {
  constructor(
    @Inject(FACES_CONFIG) private readonly config: FacesConfig,
    private readonly analysis: FaceAnalysisService,
    private readonly faceCollections: FaceCollectionsService,
    private readonly search: SearchService,
    private readonly calibration: CalibrationService,
    private readonly sizes: CollectionSizeService,
  ) {}

  async identify(collectionName: string, photo: Buffer, options: IdentifyOptions) {
    const started = performance.now();
    const maxFaces = boundedInteger('maxFaces', options.maxFaces ?? this.config.maxFacesPerPhoto, this.config.maxFacesPerPhoto);
    const limit = boundedInteger('limit', options.limit ?? 5, this.config.maxLimit);
    if (options.ef !== undefined) boundedInteger('ef', options.ef, 10_000);
    const minQuality = checkedMinQuality(options.minQuality);
    const filter = readAttributeFilter(options.filter);
    const { collection, model } = await this.faceCollections.require(collectionName);
    const applied = await this.calibration.resolve({ threshold: options.threshold, farTarget: options.farTarget }, 'identify');
    const threshold = applied.threshold;

    // The collection's size (for the 1:N false-match probability) is asked while the photo is analysed.
    const size = this.sizes.size(collection.name);
    size.catch(() => undefined);
    const analysis = await this.analysis.analyze(photo);
    if (analysis.faces.length === 0) throw new FaceshardError('NO_FACE', 'no face found in the photo');
    const faces = selectFaces(analysis, { minQuality, maxFaces });
    const searched = await this.search.searchMany(
      collection,
      faces.map((f) => f.face.embedding),
      { k: limit, ef: options.ef, filter },
    );
    const { faces: enrolledFaces, identities, complete } = await size;
    // Every enrolled face is one comparison a stranger could pass (a filter only lowers N: this is the upper estimate).
    const falseMatch = falseMatchProbability(applied, enrolledFaces);
    return {
      faces: faces.map((face, i) => {
        const matches = (searched.hits[i] ?? []).map((hit): FaceMatch => {
          const similarity = Math.round(hit.score * 10_000) / 10_000;
          const match: FaceMatch = { identityId: hit.identityId, faceId: hit.faceId, similarity, match: hit.score >= threshold };
          if (hit.attributes !== undefined) match.attributes = hit.attributes;
          return match;
        });
        return {
          ...describeFace(face),
          /** 'unknown' when no enrolled face passes the threshold: this person is not (knowingly) in the collection. */
          verdict: matches.some((m) => m.match) ? ('match' as const) : ('unknown' as const),
          /** Chance that a stranger would pass the threshold against someone in a collection this size. */
          expectedFalseMatchProbability: falseMatch,
          matches,
        };
      }),
      facesDetected: analysis.faces.length,
      ...thresholdFields(applied),
      collectionSize: { faces: enrolledFaces, identities, complete },
      model: model.id,
      partial: searched.partial,
      missingShards: searched.missingShards,
      cached: analysis.cached,
      tookMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
  }
}
