import type { AlignmentTemplate, FaceRecognizer, RgbImage } from '../types';
import type { OnnxSessionSettings } from './onnx-session';
import { createInferenceBackend, type InferenceBackend } from './inference-backend';
import { OnnxEmbeddingRunner } from './onnx-embedding-runner';
import { ARCFACE_NORMALISATION, type ChannelNormalisation, type ChannelOrder } from './preprocess';
import { arcFaceTemplate } from './templates';

export interface OnnxArcFaceRecognizerOptions {
  /** Path to a user-supplied ArcFace-family ONNX model with NCHW float input. */
  modelPath: string;
  /** Square input side; the ArcFace 112 template is scaled to it. Default 112. */
  inputSize?: number;
  /** Embedding size; read from the model's output shape when omitted (or probed by one run). */
  dimension?: number;
  /** Pixel normalisation (0..255 units, RGB order). Default (x - 127.5) / 128. */
  normalisation?: ChannelNormalisation;
  /** Channel order the model expects. Default 'rgb'. */
  channelOrder?: ChannelOrder;
  /** Cosine threshold for "same person". Default 0.3 (the reference run chose 0.29 for MobileFaceNet); tune per model. */
  defaultThreshold?: number;
  /** Name reported by the recognizer. Default 'onnx-arcface'. */
  name?: string;
  inputName?: string;
  outputName?: string;
  /** Largest batch per run when the batch dim is dynamic. Default 16. */
  maxBatch?: number;
  /**
   * Worker threads that run the model (each with its own session). Default 0 = in this thread;
   * see onnx-session.ts for when workers pay.
   */
  workers?: number;
  session?: OnnxSessionSettings;
}

export const DEFAULT_ARCFACE_THRESHOLD = 0.3;

/** Bring-your-own ArcFace-family recognizer (insightface, MobileFaceNet, ...). Create with `create()`. */
export class OnnxArcFaceRecognizer implements FaceRecognizer {
  readonly metric = 'cosine' as const;

  private constructor(
    readonly name: string,
    readonly inputSize: number,
    readonly dimension: number,
    readonly defaultThreshold: number,
    readonly template: AlignmentTemplate,
    private readonly runner: OnnxEmbeddingRunner,
  ) {}

  static async create(options: OnnxArcFaceRecognizerOptions): Promise<OnnxArcFaceRecognizer> {
    const inputSize = options.inputSize ?? 112;
    const backend: InferenceBackend = await createInferenceBackend(options.modelPath, { ...options.session, workers: options.workers });
    let runner: OnnxEmbeddingRunner;
    try {
      runner = new OnnxEmbeddingRunner(backend, {
        inputSize,
        normalisation: options.normalisation ?? ARCFACE_NORMALISATION,
        channelOrder: options.channelOrder ?? 'rgb',
        maxBatch: options.maxBatch ?? 16,
        inputName: options.inputName,
        outputName: options.outputName,
      });
    } catch (err) {
      await backend.release();
      throw err;
    }
    const dimension = options.dimension ?? (await runner.probeDimension());
    return new OnnxArcFaceRecognizer(
      options.name ?? 'onnx-arcface',
      inputSize,
      dimension,
      options.defaultThreshold ?? DEFAULT_ARCFACE_THRESHOLD,
      arcFaceTemplate(inputSize),
      runner,
    );
  }

  /** Whether several crops go through the model in one run (dynamic batch dimension). */
  get batches(): boolean {
    return this.runner.fixedBatch === undefined;
  }

  embed(crops: RgbImage[]): Promise<Float32Array[]> {
    return this.runner.embed(crops);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
