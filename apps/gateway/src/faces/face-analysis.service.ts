import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Packr } from 'msgpackr';
import { inspectImage, type FaceAnalysis } from '@faceshard/vision';
import { FACE_CACHE } from '../cache/face-cache.provider';
import type { FaceCache } from '../cache/face-cache';
import type { FacesConfig } from './faces-config';
import { FACES_CONFIG } from './faces.tokens';
import { FacePipelineService } from './face-pipeline.service';

/** Float32Array embeddings stay raw float bytes in the cache. */
const packr = new Packr({ useRecords: false, moreTypes: true });

export interface PhotoAnalysis extends FaceAnalysis {
  /** True when the faces came from the cache (no decode, detection or embedding ran). */
  cached: boolean;
  /** sha256 of the photo's bytes, hex. */
  photoHash: string;
}

/**
 * A photo's faces and embeddings: from the cache when the same bytes were analysed with the
 * same model and options, else from the pipeline (and then cached). The header is checked here,
 * before the photo waits for a worker: a bad or oversized photo never takes a pipeline slot.
 */
@Injectable()
export class FaceAnalysisService {
  constructor(
    @Inject(FACES_CONFIG) private readonly config: FacesConfig,
    @Inject(FACE_CACHE) private readonly cache: FaceCache,
    private readonly pipeline: FacePipelineService,
  ) {}

  async analyze(bytes: Uint8Array): Promise<PhotoAnalysis> {
    await inspectImage(bytes, { maxBytes: this.config.maxImageBytes, maxPixels: this.config.maxImagePixels });
    const photoHash = createHash('sha256').update(bytes).digest('hex');
    const model = await this.pipeline.model();
    // What changes the answer: the bytes, the models, and the pipeline options (none beyond the defaults today).
    const key = `${photoHash}:${model.id}:${model.detector}:v1`;
    const hit = await this.cache.get(key);
    if (hit) return { ...(packr.unpack(hit) as FaceAnalysis), cached: true, photoHash };
    const analysis = await this.pipeline.analyze(bytes);
    void this.cache.set(key, packr.pack(analysis));
    return { ...analysis, cached: false, photoHash };
  }
}
