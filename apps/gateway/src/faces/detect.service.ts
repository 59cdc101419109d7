import { Inject, Injectable } from '@nestjs/common';
import { encodeBase64Floats } from '../common/vector-input';
import type { FacesConfig } from './faces-config';
import { FACES_CONFIG } from './faces.tokens';
import { FaceAnalysisService } from './face-analysis.service';
import { FacePipelineService } from './face-pipeline.service';
import { describeFace, selectFaces } from './face-selection';
import { boundedInteger, checkedMinQuality } from './photo-option-bounds';

/** Faces of a photo without any search: boxes, keypoints, quality, and (embed) the embeddings. */
@Injectable()
export class DetectService {
  constructor(
    @Inject(FACES_CONFIG) private readonly config: FacesConfig,
    private readonly analysis: FaceAnalysisService,
    private readonly pipeline: FacePipelineService,
  ) {}

  async detect(photo: Buffer, options: { maxFaces?: number; minQuality?: number }, withEmbeddings: boolean) {
    const maxFaces = boundedInteger('maxFaces', options.maxFaces ?? this.config.maxFacesPerPhoto, this.config.maxFacesPerPhoto);
    const minQuality = checkedMinQuality(options.minQuality);
    const model = await this.pipeline.model();
    const analysis = await this.analysis.analyze(photo);
    const faces = selectFaces(analysis, { minQuality, maxFaces });
    return {
      width: analysis.width,
      height: analysis.height,
      faces: faces.map((face) => (withEmbeddings ? { ...describeFace(face), embedding: encodeBase64Floats(face.face.embedding) } : describeFace(face))),
      ...(withEmbeddings ? { model: model.id, dimension: model.dimension, encoding: 'base64 little-endian float32' } : { detector: model.detector }),
      cached: analysis.cached,
    };
  }
}
