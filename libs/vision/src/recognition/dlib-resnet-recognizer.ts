import type { AlignmentTemplate, FaceRecognizer, RgbImage } from '../types';
import type { OnnxSessionSettings } from './onnx-session';
import { createInferenceBackend, type InferenceBackend } from './inference-backend';
import { OnnxEmbeddingRunner } from './onnx-embedding-runner';
import { RAW_PIXELS } from './preprocess';
import { DLIB_150_TEMPLATE } from './templates';
import { DLIB_DIMENSION, DLIB_INPUT_SIZE } from './dlib/dlib-architecture';
import { DLIB_ONNX_INPUT, DLIB_ONNX_OUTPUT } from './dlib/dlib-onnx-graph';
import { ensureDlibOnnxModel, type DlibOnnxOptions } from './dlib/build-dlib-onnx';

/**
 * Cosine threshold on the L2-normalised dlib descriptor: the one place it is set.
 * 0.906 is the best-accuracy threshold on LFW View 1 pairsDevTrain.txt of the default pipeline
 * (BlazeFace without margin + 68-point dlib chips + this model, no flip; bench/vision/alignment-study.ts).
 * (dlib's own rule, Euclidean < 0.6 on the raw descriptor, is a different scale.)
 */
export const DLIB_COSINE_THRESHOLD = 0.906;

export interface DlibResNetRecognizerOptions extends DlibOnnxOptions {
  /** Largest batch per run (the generated graph has a dynamic batch dimension). Default 16. */
  maxBatch?: number;
  /**
   * Worker threads that run the model (each with its own session). Default 0 = in this thread;
   * see onnx-session.ts for when workers pay.
   */
  workers?: number;
  defaultThreshold?: number;
  session?: OnnxSessionSettings;
}

/**
 * The default recognizer: dlib ResNet-29 (128-D) from the weights in @vladmandic/face-api, rebuilt
 * as an ONNX graph on first use and cached on disk (see dlib/build-dlib-onnx.ts).
 * Input: 150x150 RGB dlib face chips (template DLIB_150_TEMPLATE); normalisation is in the graph.
 */
export class DlibResNetRecognizer implements FaceRecognizer {
  readonly name = 'dlib-resnet-v1';
  readonly inputSize = DLIB_INPUT_SIZE;
  readonly dimension = DLIB_DIMENSION;
  readonly metric = 'cosine' as const;
  readonly template: AlignmentTemplate = DLIB_150_TEMPLATE;
  /** dlib's face chips for this model: 150x150, padding 0.25 (dlib's face_recognition example). */
  readonly dlibChipPadding = 0.25;

  private constructor(
    readonly defaultThreshold: number,
    /** Path of the cached ONNX model in use. */
    readonly modelPath: string,
    private readonly runner: OnnxEmbeddingRunner,
  ) {}

  static async create(options: DlibResNetRecognizerOptions = {}): Promise<DlibResNetRecognizer> {
    const model = await ensureDlibOnnxModel(options);
    const backend: InferenceBackend = await createInferenceBackend(model.path, { ...options.session, workers: options.workers });
    const runner = new OnnxEmbeddingRunner(backend, {
      inputSize: DLIB_INPUT_SIZE,
      normalisation: RAW_PIXELS,
      channelOrder: 'rgb',
      maxBatch: options.maxBatch ?? 16,
      inputName: DLIB_ONNX_INPUT,
      outputName: DLIB_ONNX_OUTPUT,
    });
    return new DlibResNetRecognizer(options.defaultThreshold ?? DLIB_COSINE_THRESHOLD, model.path, runner);
  }

  embed(crops: RgbImage[]): Promise<Float32Array[]> {
    return this.runner.embed(crops);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
