import { FaceshardError } from '@faceshard/contracts';
import type { RgbImage } from '../types';
import type { InferenceBackend } from './inference-backend';
import { cropsToNchw, type ChannelNormalisation, type ChannelOrder } from './preprocess';
import { fixedDim, tensorShape } from './onnx-session';
import { splitAndNormalise } from './vector-math';

export interface EmbeddingRunnerConfig {
  inputSize: number;
  normalisation: ChannelNormalisation;
  channelOrder: ChannelOrder;
  /** Largest batch sent in one run when the model's batch dimension is dynamic. */
  maxBatch: number;
  inputName?: string;
  outputName?: string;
}

/**
 * Runs an embedding model on aligned crops: NCHW float32 in, one L2-normalised row per crop out.
 * Knows from the model's input shape whether it may batch (dynamic batch dim) or must run crops
 * one at a time (fixed batch dim, padded to the fixed size when that is > 1). With a backend that
 * runs several runs at once (worker pool), a batch is split so that every worker gets a share.
 */
export class OnnxEmbeddingRunner {
  readonly inputName: string;
  readonly outputName: string;
  /** Fixed batch size of the model, or undefined when the batch dimension is dynamic. */
  readonly fixedBatch: number | undefined;
  /** Output dimension if the model declares it as a fixed last dim. */
  readonly declaredDimension: number | undefined;
  private closed = false;

  constructor(
    private readonly backend: InferenceBackend,
    private readonly config: EmbeddingRunnerConfig,
  ) {
    this.inputName = config.inputName ?? backend.inputNames[0];
    this.outputName = config.outputName ?? backend.outputNames[0];
    if (!backend.inputNames.includes(this.inputName) || !backend.outputNames.includes(this.outputName)) {
      throw new FaceshardError('INTERNAL', `model has inputs [${backend.inputNames}] and outputs [${backend.outputNames}]`, {
        inputName: this.inputName,
        outputName: this.outputName,
      });
    }
    const inShape = tensorShape(backend.inputMetadata, this.inputName);
    if (inShape && inShape.length === 4) {
      const [, c, h, w] = inShape.map(fixedDim);
      const size = config.inputSize;
      if ((c !== undefined && c !== 3) || (h !== undefined && h !== size) || (w !== undefined && w !== size)) {
        throw new FaceshardError('INTERNAL', `model input ${this.inputName} is [${inShape}], expected [N,3,${size},${size}]`);
      }
    }
    this.fixedBatch = inShape ? fixedDim(inShape[0]) : undefined;
    const outShape = tensorShape(backend.outputMetadata, this.outputName);
    this.declaredDimension = outShape && outShape.length >= 2 ? fixedDim(outShape[1]) : undefined;
  }

  /** Runs one crop to learn the output dimension when the model does not declare it. */
  async probeDimension(): Promise<number> {
    if (this.declaredDimension !== undefined) return this.declaredDimension;
    const size = this.config.inputSize;
    const blank: RgbImage = { data: new Uint8Array(size * size * 3), width: size, height: size };
    const [row] = await this.embed([blank]);
    return row.length;
  }

  async embed(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    if (this.closed) throw new FaceshardError('INTERNAL', 'recognizer is closed');
    if (crops.length === 0) return [];
    const share = Math.ceil(crops.length / this.backend.parallelism);
    const chunk = this.fixedBatch ?? Math.max(1, Math.min(this.config.maxBatch, share));
    const runs: Promise<Float32Array[]>[] = [];
    for (let start = 0; start < crops.length; start += chunk) runs.push(this.runBatch(crops.slice(start, start + chunk)));
    return (await Promise.all(runs)).flat();
  }

  private async runBatch(crops: readonly RgbImage[]): Promise<Float32Array[]> {
    const { inputSize: size, normalisation, channelOrder } = this.config;
    // A fixed batch > 1 is filled with zero images; their rows are dropped.
    const n = this.fixedBatch ?? crops.length;
    const packed = cropsToNchw(crops, size, normalisation, channelOrder);
    const data = n === crops.length ? packed : new Float32Array(n * 3 * size * size);
    if (data !== packed) data.set(packed);
    const result = await this.backend.run({ [this.inputName]: { data, dims: [n, 3, size, size] } });
    const output = result[this.outputName];
    const dim = output.data.length / n;
    if (!Number.isInteger(dim) || dim < 1) {
      throw new FaceshardError('INTERNAL', `embedding output [${output.dims}] does not split into ${n} rows`);
    }
    return splitAndNormalise(output.data, n, dim).slice(0, crops.length);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.backend.release();
  }
}
