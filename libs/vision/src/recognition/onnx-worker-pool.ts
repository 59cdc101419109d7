import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { FaceshardError } from '@faceshard/contracts';
import type { FloatTensorData, InferenceBackend } from './inference-backend';
import { onnxSessionOptions, type OnnxSessionSettings } from './onnx-session';

/**
 * The worker's code, run with `eval` so it works the same from src/ (vitest, tsx) and dist/.
 * It loads onnxruntime-node from the path the parent resolved, opens one session, then runs
 * requests one at a time. Outputs are copied into fresh buffers before they are transferred,
 * because ORT may hand out buffers it does not let us detach.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
const describe = (e) => String((e && e.message) || e);
let session;
ort.InferenceSession.create(workerData.model, workerData.options).then(
  (s) => {
    session = s;
    const meta = (m) => m.map((x) => ({ ...x, shape: x.shape ? [...x.shape] : x.shape }));
    parentPort.postMessage({ type: 'ready', inputNames: [...s.inputNames], outputNames: [...s.outputNames],
      inputMetadata: meta(s.inputMetadata), outputMetadata: meta(s.outputMetadata) });
  },
  (e) => parentPort.postMessage({ type: 'failed', message: describe(e) }),
);
parentPort.on('message', async (m) => {
  if (m.type !== 'run') return;
  try {
    const feeds = {};
    for (const name of Object.keys(m.feeds)) feeds[name] = new ort.Tensor('float32', m.feeds[name].data, m.feeds[name].dims);
    const out = await session.run(feeds);
    const result = {};
    const transfer = [];
    for (const name of Object.keys(out)) {
      const data = new Float32Array(out[name].data);
      result[name] = { data, dims: [...out[name].dims] };
      transfer.push(data.buffer);
    }
    parentPort.postMessage({ type: 'result', id: m.id, result }, transfer);
  } catch (e) {
    parentPort.postMessage({ type: 'error', id: m.id, message: describe(e) });
  }
});
`;

interface Job {
  id: number;
  feeds: Record<string, FloatTensorData>;
  resolve: (r: Record<string, FloatTensorData>) => void;
  reject: (e: Error) => void;
}

interface Ready {
  inputNames: string[];
  outputNames: string[];
  inputMetadata: ort.InferenceSession.ValueMetadata[];
  outputMetadata: ort.InferenceSession.ValueMetadata[];
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/**
 * n worker threads, each with its own onnxruntime session of the same model. Runs go to whichever
 * worker is idle, FIFO. Why: onnxruntime-node 1.30 runs `session.run` synchronously on the calling
 * thread, so in-process runs block the event loop and never overlap. Workers are unref'd while idle
 * so an open pool does not keep a process alive. A crashed worker fails the pool (jobs reject with
 * INTERNAL); create a new one.
 */
export class OnnxWorkerPool implements InferenceBackend {
  private readonly idle: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private failure: Error | undefined;
  private released = false;

  private constructor(
    private readonly slots: Slot[],
    private readonly meta: Ready,
  ) {
    this.idle.push(...slots);
    for (const slot of slots) {
      slot.worker.on('message', (m: { type: string; id: number; result?: Record<string, FloatTensorData>; message?: string }) => this.onMessage(slot, m));
      slot.worker.on('error', (err) => this.fail(err));
      slot.worker.on('exit', (code) => {
        if (!this.released) this.fail(new Error(`ONNX worker exited with code ${code}`));
      });
      slot.worker.unref();
    }
  }

  static async create(model: string | Uint8Array, workers: number, settings: OnnxSessionSettings = {}): Promise<OnnxWorkerPool> {
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive integer, got ${workers}`);
    const workerData = { ortPath: require.resolve('onnxruntime-node'), model, options: onnxSessionOptions(settings) };
    const slots: Slot[] = [];
    try {
      const ready: Ready[] = [];
      for (let i = 0; i < workers; i++) {
        const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
        slots.push({ worker });
        ready.push(await waitReady(worker));
      }
      return new OnnxWorkerPool(slots, ready[0]);
    } catch (err) {
      await Promise.all(slots.map((s) => s.worker.terminate()));
      const where = typeof model === 'string' ? model : `<${model.byteLength} bytes>`;
      throw new FaceshardError('INTERNAL', `cannot load ONNX model ${where} in a worker: ${(err as Error).message}`, { model: where });
    }
  }

  get inputNames(): readonly string[] {
    return this.meta.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.meta.outputNames;
  }
  get inputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.meta.inputMetadata;
  }
  get outputMetadata(): readonly ort.InferenceSession.ValueMetadata[] {
    return this.meta.outputMetadata;
  }
  get parallelism(): number {
    return this.slots.length;
  }

  run(feeds: Record<string, FloatTensorData>): Promise<Record<string, FloatTensorData>> {
    if (this.released) return Promise.reject(new FaceshardError('INTERNAL', 'ONNX worker pool is released'));
    if (this.failure) return Promise.reject(new FaceshardError('INTERNAL', `ONNX worker pool failed: ${this.failure.message}`));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, feeds, resolve, reject });
      this.pump();
    });
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.rejectAll(new FaceshardError('INTERNAL', 'ONNX worker pool is released'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const slot = this.idle.shift()!;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.ref(); // a run in flight keeps the process alive until it answers
      const buffers = new Set(Object.values(job.feeds).map((t) => t.data.buffer));
      const transfer = [...buffers].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      slot.worker.postMessage({ type: 'run', id: job.id, feeds: job.feeds }, transfer);
    }
  }

  private onMessage(slot: Slot, m: { type: string; id: number; result?: Record<string, FloatTensorData>; message?: string }): void {
    const job = slot.job;
    if (!job || job.id !== m.id) return;
    slot.job = undefined;
    slot.worker.unref();
    this.idle.push(slot);
    if (m.type === 'result') job.resolve(m.result!);
    else job.reject(new FaceshardError('INTERNAL', `ONNX run failed: ${m.message}`));
    this.pump();
  }

  private fail(err: Error): void {
    if (this.failure || this.released) return;
    this.failure = err;
    this.rejectAll(new FaceshardError('INTERNAL', `ONNX worker pool failed: ${err.message}`));
  }

  private rejectAll(err: FaceshardError): void {
    for (const slot of this.slots) {
      slot.job?.reject(err);
      slot.job = undefined;
    }
    for (const job of this.queue.splice(0)) job.reject(err);
  }
}

function waitReady(worker: Worker): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string; message?: string } & Partial<Ready>): void => {
      cleanup();
      if (m.type === 'ready') resolve(m as Ready);
      else reject(new Error(m.message ?? 'worker did not start'));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`worker exited with code ${code} before it was ready`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
