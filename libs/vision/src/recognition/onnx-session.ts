import * as ort from 'onnxruntime-node';
import { FaceshardError } from '@faceshard/contracts';

/**
 * One place for onnxruntime session options, shared by recognizers and detectors.
 *
 * Facts that decide the settings (2 CPU cores, shared with NATS, Redis, shards, HTTP):
 * - onnxruntime-node 1.30's `session.run` is NOT asynchronous work: it defers by setImmediate and
 *   then runs the whole inference synchronously on the calling JS thread (dist/backend.js). So two
 *   runs of one process never overlap, and "N runs in flight" only exists with worker threads
 *   (OnnxWorkerPool, opt-in via `workers`).
 * - The models are small: one face is ~3-5 ms on one thread (dlib 150x150, MobileFaceNet 112x112).
 *
 * Choice:
 * - intraOpNumThreads = 1, re-measured on the 2-core AMD EPYC (AVX-512) of 2026-11-27 under the
 *   bench lock (bench/vision/README.md, Speed; same embeddings bit for bit with 1 or 2). A second
 *   thread SLOWS BlazeFace (raw run p50 4.6 -> 6.8 ms) and the landmark net (0.78 -> 1.32 ms): chains
 *   of small ops, where waking a second thread costs more than it saves. It speeds the dlib ResNet
 *   up (3.6 -> 2.7 ms per face), and with it alone on 2 threads one photo at a time ran ~8% faster
 *   (in-process 65-73 vs 58-68 faces/s), but two photos at once on 2 worker threads ~15% slower
 *   (93-95 vs 109-113 faces/s): a server's capacity when busy matters more, and the cores are
 *   shared with NATS, Redis and the shards. PipelineConfig.session (every model of a pipeline) or a
 *   model's own `session` option (when built directly)
 *   changes it.
 * - allow_spinning off: ORT's pool threads otherwise busy-wait between ops, burning CPU the other
 *   services need; with one intra-op thread there is no pool, but a caller that raises the thread
 *   count should not get spinning by accident.
 * - interOpNumThreads = 1, executionMode 'sequential': these graphs are chains without parallel
 *   branches for an inter-op pool to run.
 * - graphOptimizationLevel 'all': constant folding and Conv+Add+Relu fusions, paid once at load.
 * - logSeverityLevel 3 (errors only): at load ORT warns on stderr, in colour, about initializers
 *   left unused in the shipped BlazeFace graph ("Removing initializer 'const_fold_opt__361'"):
 *   harmless, not actionable by an operator, and it printed on every start of the platform.
 *   Errors (a model that cannot load) still print and also reach the caller as FaceshardError.
 * - In-process by default (workers 0). Workers keep the event loop free while faces are embedded
 *   (measured: a burst of 32 faces stalls the loop 120-250 ms in-process, 10-38 ms with workers, under load)
 *   and can use both cores when one is idle, at the cost of ~0.5 s start-up and a session per
 *   worker. Worth turning on (workers: 1 or 2) in a gateway that must stay responsive under bursts.
 */
export interface OnnxSessionSettings {
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
}

export const DEFAULT_ONNX_SESSION_SETTINGS: Required<OnnxSessionSettings> = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
};

export function onnxSessionOptions(settings: OnnxSessionSettings = {}): ort.InferenceSession.SessionOptions {
  const s = { ...DEFAULT_ONNX_SESSION_SETTINGS, ...settings };
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    intraOpNumThreads: s.intraOpNumThreads,
    interOpNumThreads: s.interOpNumThreads,
    executionMode: s.executionMode,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/** Opens a CPU session from a file path or model bytes; failures become FaceshardError INTERNAL. */
export async function createOnnxSession(
  model: string | Uint8Array,
  settings: OnnxSessionSettings = {},
): Promise<ort.InferenceSession> {
  try {
    return typeof model === 'string'
      ? await ort.InferenceSession.create(model, onnxSessionOptions(settings))
      : await ort.InferenceSession.create(model, onnxSessionOptions(settings));
  } catch (err) {
    const where = typeof model === 'string' ? model : `<${model.byteLength} bytes>`;
    throw new FaceshardError('INTERNAL', `cannot load ONNX model ${where}: ${(err as Error).message}`, {
      model: where,
    });
  }
}

/** Shape of a session input/output as ORT reports it: numbers for fixed dims, strings/-1 for dynamic ones. */
export function tensorShape(
  metadata: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
): ReadonlyArray<number | string> | undefined {
  const m = metadata.find((x) => x.name === name);
  return m && m.isTensor ? m.shape : undefined;
}

/** A dimension is fixed when ORT reports a positive number for it. */
export function fixedDim(dim: number | string | undefined): number | undefined {
  return typeof dim === 'number' && dim > 0 ? dim : undefined;
}
