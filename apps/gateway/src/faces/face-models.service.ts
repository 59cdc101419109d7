import { Injectable } from '@nestjs/common';
import { FaceshardError, type Metric } from '@faceshard/contracts';
import { FacePipelineService } from './face-pipeline.service';
import { CalibrationService } from './calibration.service';

/** The recognizers this server runs (one pipeline: the npm default pair, or the models configured by path). */
@Injectable()
export class FaceModelsService {
  constructor(
    private readonly pipeline: FacePipelineService,
    private readonly calibrations: CalibrationService,
  ) {}

  async list() {
    return { models: [{ ...(await this.calibrations.describe(await this.pipeline.model())), default: true }] };
  }

  /** The model with its calibration and expected accuracy by gallery size (null when it has no calibration). */
  async get(id: string) {
    const model = await this.pipeline.model();
    if (id !== model.id) throw new FaceshardError('MODEL_NOT_FOUND', `no model "${id}" on this server (GET /v1/models lists them)`, { models: [model.id] });
    const calibration = await this.calibrations.calibration();
    return { ...(await this.calibrations.describe(model)), default: true, calibration: calibration ?? null };
  }

  /**
   * A collection request as a spec: {name, model} takes dimension and metric from the model;
   * {name, dimension, metric} is an embeddings-only collection.
   */
  async collectionSpec(input: { name: string; model?: string; dimension?: number; metric?: Metric }) {
    if (input.model === undefined) {
      if (input.dimension === undefined) throw new FaceshardError('VALIDATION_FAILED', 'give "model" (a face collection) or "dimension" (embeddings only)');
      return { name: input.name, dimension: input.dimension, metric: input.metric };
    }
    const model = await this.pipeline.model();
    if (input.model !== model.id) throw new FaceshardError('MODEL_NOT_FOUND', `no model "${input.model}" on this server (GET /v1/models lists them)`, { models: [model.id] });
    if (input.dimension !== undefined && input.dimension !== model.dimension) {
      throw new FaceshardError('VALIDATION_FAILED', `model "${model.id}" makes ${model.dimension}-D embeddings, not ${input.dimension}`);
    }
    if (input.metric !== undefined && input.metric !== model.metric) throw new FaceshardError('VALIDATION_FAILED', `model "${model.id}" compares by ${model.metric}`);
    return { name: input.name, dimension: model.dimension, metric: model.metric, model: model.id };
  }
}
