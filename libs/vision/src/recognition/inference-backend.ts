import * as ort from 'onnxruntime-node';
import { FaceshardError } from '@faceshard/contracts';
import { createOnnxSession, type OnnxSessionSettings } from './onnx-session';
import { OnnxWorkerPool } from './onnx-worker-pool';

/** A float tensor as plain data, so it can cross a worker boundary. */
export interface FloatTensorData {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * Something that runs one ONNX model: an in-process session, or a pool of worker threads each
 * holding its own session. Float inputs and outputs only (all our face models are float).
 */
export interface InferenceBackend {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /** How many runs make progress at the same time (1 in-process: see onnx-session.ts). */
  readonly parallelism: number;
  /** Runs the model. Input buffers may be transferred to a worker (detached): pass arrays you own. */
  run(feeds: Record<string, FloatTensorData>): Promise<Record<string, FloatTensorData>>;
  release(): Promise<void>;
}

/** An onnxruntime session in this thread. Its runs block the event loop for their duration. */
export class InProcessBackend implements InferenceBackend {
  readonly parallelism = 1;

  constructor(private readonly session: ort.InferenceSession) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }
  get inputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.session.inputMetadata;
  }
  get outputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.session.outputMetadata;
  }

  async run(feeds: Record<string, FloatTensorData>): Promise<Record<string, FloatTensorData>> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor('float32', t.data, [...t.dims]);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(tensors);
    } catch (err) {
      throw new FaceshardError('INTERNAL', `ONNX run failed: ${(err as Error).message}`);
    }
    const result: Record<string, FloatTensorData> = {};
    for (const [name, t] of Object.entries(out)) result[name] = { data: (t as ort.Tensor).data as Float32Array, dims: (t as ort.Tensor).dims };
    return result;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

export interface InferenceBackendOptions extends OnnxSessionSettings {
  /**
   * 0 (default): run in this thread. n > 0: a pool of n worker threads, each with its own session,
   * which keeps the event loop free and lets n runs proceed on n cores (see onnx-worker-pool.ts).
   */
  workers?: number;
}

export async function createInferenceBackend(model: string | Uint8Array, options: InferenceBackendOptions = {}): Promise<InferenceBackend> {
  const { workers = 0, ...settings } = options;
  if (workers > 0) {
    return OnnxWorkerPool.create(model, workers, settings);
  }
  return new InProcessBackend(await createOnnxSession(model, settings));
}
