import { Injectable } from '@nestjs/common';
import { resolveThreshold, type AppliedThreshold } from '@faceshard/calibration';
import { FaceshardError, type CollectionSpec } from '@faceshard/contracts';
import { CalibrationService } from '../faces/calibration.service';

/**
 * The score floor of an embedding-level search, when the request sets one (minScore or farTarget).
 * A face collection (created with a model) whose model this server has a calibration for turns
 * farTarget into a threshold and says what false-match rate its minScore means, as identify and
 * verify do; an embeddings-only collection has no calibration, so it takes minScore alone.
 * Searches that set neither never get here (the hot path stays as it was).
 */
@Injectable()
export class SearchThresholdService {
  constructor(private readonly calibrations: CalibrationService) {}

  /** undefined: a plain minScore on a collection without a calibrated model (nothing to say about it). */
  async resolve(collection: CollectionSpec, request: { minScore?: number; farTarget?: number }): Promise<AppliedThreshold | undefined> {
    const { minScore, farTarget } = request;
    if (minScore === undefined && farTarget === undefined) return undefined;
    if (minScore !== undefined && farTarget !== undefined) throw new FaceshardError('VALIDATION_FAILED', 'give minScore or farTarget, not both');
    if (!collection.model) {
      if (farTarget === undefined) return undefined;
      throw new FaceshardError('VALIDATION_FAILED', `collection "${collection.name}" holds embeddings of no known model, so no false-match rate can be tied to a score: give minScore instead of farTarget`, {
        field: 'farTarget',
      });
    }
    const calibration = await this.calibrations.calibration();
    if (calibration?.modelId !== collection.model) {
      if (farTarget === undefined) return undefined;
      throw new FaceshardError('VALIDATION_FAILED', `this server has no calibration for model "${collection.model}" (see GET /v1/models): give minScore instead of farTarget`, { field: 'farTarget' });
    }
    // A cosine score is the similarity the calibration's thresholds are cut on.
    return resolveThreshold(calibration, { threshold: minScore, farTarget }, 'identify', minScore ?? 0);
  }
}
