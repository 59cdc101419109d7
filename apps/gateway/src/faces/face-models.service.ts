import { Injectable } from '@nestjs/common';
import { FaceshardError, type Metric } from '@faceshard/contracts';
import { FacePipelineService, type FaceModelInfo } from './face-pipeline.service';

/** The recognizers this server runs (one pipeline: the npm default pair, or the models configured by path). */
@Injectable()
export class FaceModelsService {
  constructor(private readonly pipeline: FacePipelineService) {}

  async list(): Promise<{ models: (FaceModelInfo & { default: boolean })[] }> {
    return { models: [{ ...(await this.pipeline.model()), default: true }] };
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
