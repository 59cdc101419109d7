/**
 * Entry point of a pipeline worker thread: loads the models named in workerData and answers
 * analyze requests one at a time (onnxruntime-node runs models synchronously on the calling
 * thread, so this thread, not the main event loop, is the one that blocks).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FaceshardError, type ErrorBody } from '@faceshard/contracts';
import { createInProcessPipeline } from './create-pipeline';
import type { FacePipeline } from './face-pipeline';
import type { FromWorker, PipelineWorkerData, ToWorker } from './worker-protocol';

function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof FaceshardError) return err.toJSON();
  return new FaceshardError('INTERNAL', err instanceof Error ? err.message : String(err)).toJSON();
}

async function start(port: NonNullable<typeof parentPort>): Promise<void> {
  const send = (m: FromWorker) => port.postMessage(m);
  const { config } = workerData as PipelineWorkerData;
  let pipeline: FacePipeline;
  try {
    // The parent caps concurrency and queueing; inside the worker one photo at a time.
    pipeline = await createInProcessPipeline({ ...config, limits: { ...config.limits, maxConcurrent: 1, maxQueued: 1_000_000 } });
  } catch (err) {
    send({ type: 'init-error', error: toErrorBody(err) });
    return;
  }
  port.on('message', (m: ToWorker) => {
    if (m.type === 'close') {
      void pipeline.close().finally(() => {
        send({ type: 'closed' });
        port.close();
      });
      return;
    }
    pipeline.analyzeTimed(m.bytes, m.options).then(
      ({ analysis, stages }) => send({ type: 'result', id: m.id, analysis, stages }),
      (err: unknown) => send({ type: 'error', id: m.id, error: toErrorBody(err) }),
    );
  });
  send({ type: 'ready', detectorName: pipeline.detectorName, recognizerInfo: pipeline.recognizerInfo });
}

if (parentPort) void start(parentPort);
