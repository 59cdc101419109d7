import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FaceshardError } from '@faceshard/contracts';
import { contextWithSpan, failSpan, recordSpan, runInContext, startSpan, tracing } from '@faceshard/tracing';
import type { AnalyzedFace, AnalyzeOptions, FaceAnalysis, FaceAnalyzer, RecognizerInfo, StageTiming } from './analysis-types';
import { BoundedSemaphore } from './bounded-semaphore';
import { resolvePipelineLimits, type PipelineLimits } from './face-pipeline';
import type { PipelineConfig } from './pipeline-config';
import { requireSingleFace } from './single-face';
import type { FromWorker, PipelineWorkerData, ToWorker } from './worker-protocol';

/**
 * Starts the worker entry next to this file: pipeline-worker.js when compiled; when running from
 * TypeScript sources (vitest, `npx tsx`), pipeline-worker.ts through tsx's CommonJS hook, which a
 * worker does not inherit from its parent.
 */
function startWorker(workerData: PipelineWorkerData): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(path.join(__dirname, 'pipeline-worker.js'), { workerData });
  const req = createRequire(__filename);
  const bootstrap = `require(${JSON.stringify(req.resolve('tsx/cjs'))}); require(${JSON.stringify(path.join(__dirname, 'pipeline-worker.ts'))});`;
  return new Worker(bootstrap, { eval: true, workerData });
}

interface TimedAnalysis {
  analysis: FaceAnalysis;
  /** Relative to the worker's start of the photo. */
  stages: StageTiming[];
  /** On this thread's clock (epochNow): when the photo was posted to the worker, and when its answer came back. */
  postedAt: number;
  answeredAt: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** One worker thread with its own FacePipeline; handles one photo at a time. */
class PipelineThread {
  private pending?: { id: number; postedAt: number; resolve: (a: TimedAnalysis) => void; reject: (e: unknown) => void };
  private nextId = 1;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    readonly detectorName: string,
    readonly recognizerInfo: RecognizerInfo,
    private readonly onUnexpectedExit: (t: PipelineThread) => void,
  ) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(new FaceshardError('INTERNAL', `pipeline worker crashed: ${err.message}`)));
    worker.on('exit', (code) => {
      this.fail(new FaceshardError('INTERNAL', `pipeline worker exited with code ${code}`));
      if (!this.closing) this.onUnexpectedExit(this);
    });
  }

  static start(config: PipelineConfig, onUnexpectedExit: (t: PipelineThread) => void): Promise<PipelineThread> {
    const worker = startWorker({ config });
    return new Promise((resolve, reject) => {
      const onFirst = (m: FromWorker) => {
        worker.off('error', onError);
        if (m.type === 'ready') resolve(new PipelineThread(worker, m.detectorName, m.recognizerInfo, onUnexpectedExit));
        else {
          void worker.terminate();
          reject(m.type === 'init-error' ? FaceshardError.fromJSON(m.error) : new FaceshardError('INTERNAL', `unexpected first message ${m.type}`));
        }
      };
      const onError = (err: Error) => reject(new FaceshardError('INTERNAL', `pipeline worker failed to start: ${err.message}`));
      worker.once('message', onFirst);
      worker.once('error', onError);
    });
  }

  analyze(bytes: Uint8Array, options: AnalyzeOptions): Promise<TimedAnalysis> {
    if (this.pending) return Promise.reject(new FaceshardError('INTERNAL', 'pipeline worker is already busy'));
    const id = this.nextId++;
    // Copy into a fresh buffer we can hand over without copying again (the caller's may be a pooled slice).
    const copy = new Uint8Array(bytes);
    return new Promise((resolve, reject) => {
      this.pending = { id, postedAt: epochNow(), resolve, reject };
      this.worker.postMessage({ type: 'analyze', id, bytes: copy, options } satisfies ToWorker, [copy.buffer]);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    const timer = setTimeout(() => void this.worker.terminate(), 5_000);
    await exited;
    clearTimeout(timer);
  }

  private onMessage(m: FromWorker): void {
    if ((m.type === 'result' || m.type === 'error') && this.pending?.id === m.id) {
      const p = this.pending;
      this.pending = undefined;
      if (m.type === 'result') p.resolve({ analysis: m.analysis, stages: m.stages, postedAt: p.postedAt, answeredAt: epochNow() });
      else p.reject(FaceshardError.fromJSON(m.error));
    }
  }

  private fail(err: FaceshardError): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(err);
  }
}

/**
 * The face pipeline on worker threads, so that model runs never block the event loop
 * (onnxruntime-node runs them synchronously on the calling thread). `limits.maxConcurrent`
 * threads (default 2, one per core), each with its own models; at most `limits.maxQueued`
 * photos wait, and beyond that analyze() rejects with BUSY at once.
 */
export class WorkerFacePipeline implements FaceAnalyzer {
  private readonly idle: PipelineThread[];
  private readonly gate: BoundedSemaphore;
  private closed = false;
  /** Told every analysed photo's stage times (the gateway's inference metrics); a few numbers, no allocation here. */
  onStages?: (stages: readonly StageTiming[]) => void;

  private constructor(
    private readonly config: PipelineConfig,
    readonly limits: PipelineLimits,
    private threads: PipelineThread[],
  ) {
    this.idle = [...threads];
    this.gate = new BoundedSemaphore(limits.maxConcurrent, limits.maxQueued);
  }

  static async create(config: PipelineConfig = {}): Promise<WorkerFacePipeline> {
    const limits = resolvePipelineLimits(config.limits);
    let self: WorkerFacePipeline | undefined;
    const onExit = (t: PipelineThread) => self?.replace(t);
    // Start threads one after another: each loads models, and the dlib model may be built once into a shared cache.
    const threads: PipelineThread[] = [];
    try {
      for (let i = 0; i < limits.maxConcurrent; i++) threads.push(await PipelineThread.start(config, onExit));
    } catch (err) {
      await Promise.all(threads.map((t) => t.close()));
      throw err;
    }
    self = new WorkerFacePipeline(config, limits, threads);
    return self;
  }

  get detectorName(): string {
    return this.threads[0]!.detectorName;
  }

  get recognizerInfo(): RecognizerInfo {
    return this.threads[0]!.recognizerInfo;
  }

  analyze(imageBytes: Uint8Array, options: AnalyzeOptions = {}): Promise<FaceAnalysis> {
    if (this.closed) return Promise.reject(new FaceshardError('INTERNAL', 'face pipeline is closed'));
    if (tracing.on) return this.tracedAnalyze(imageBytes, options);
    return this.gate.run(async () => {
      const timed = await this.onIdleThread(imageBytes, options);
      this.onStages?.(timed.stages);
      return timed.analysis;
    });
  }

  /** Photos being analysed now, and photos waiting for a thread (the queue metrics read them at scrape time). */
  get load(): { running: number; queued: number } {
    return { running: this.gate.running, queued: this.gate.queued };
  }

  /**
   * The worker threads carry no tracer: they send back when each stage ran (relative to their start
   * of the photo), and the stages become child spans of this photo's span here (queue wait, decode,
   * detect, align, embed). Every time here is read from this thread's clock, and the stages are
   * placed between posting the photo and its answer, so no span sticks out of its parent.
   */
  private tracedAnalyze(imageBytes: Uint8Array, options: AnalyzeOptions): Promise<FaceAnalysis> {
    const queuedAt = epochNow();
    const span = startSpan('inference.analyze', { startTime: queuedAt, attributes: { 'faceshard.photo_bytes': imageBytes.length } });
    return runInContext(contextWithSpan(span), async () => {
      try {
        const { analysis, stages, postedAt, answeredAt } = await this.gate.run(() => {
          recordSpan('inference.queue', queuedAt, epochNow());
          return this.onIdleThread(imageBytes, options);
        });
        const onParentClock = (ms: number) => Math.min(postedAt + ms, answeredAt);
        for (const stage of stages) recordSpan(`inference.${stage.stage}`, onParentClock(stage.startMs), onParentClock(stage.endMs));
        this.onStages?.(stages);
        span.setAttribute('faceshard.faces', analysis.faces.length);
        return analysis;
      } catch (error) {
        failSpan(span, error);
        throw error;
      } finally {
        span.end(epochNow());
      }
    });
  }

  /** Only inside the gate: it admits at most one job per thread, so an idle thread is always there. */
  private async onIdleThread(imageBytes: Uint8Array, options: AnalyzeOptions): Promise<TimedAnalysis> {
    const thread = this.idle.pop();
    if (!thread) throw new FaceshardError('INTERNAL', 'no idle pipeline thread');
    try {
      return await thread.analyze(imageBytes, options);
    } finally {
      if (this.threads.includes(thread)) this.idle.push(thread);
    }
  }

  async analyzeSingle(imageBytes: Uint8Array, options: Omit<AnalyzeOptions, 'onQualityFailure'> = {}): Promise<AnalyzedFace> {
    return requireSingleFace(await this.analyze(imageBytes, { ...options, onQualityFailure: 'mark' }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.close()));
  }

  /** A thread died (native crash, OOM): start a fresh one in its place. */
  private replace(dead: PipelineThread): void {
    this.threads = this.threads.filter((t) => t !== dead);
    const i = this.idle.indexOf(dead);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.closed) return;
    PipelineThread.start(this.config, (t) => this.replace(t)).then(
      (fresh) => {
        if (this.closed) return void fresh.close();
        this.threads.push(fresh);
        this.idle.push(fresh);
      },
      () => undefined, // the next analyze() will see fewer threads; nothing better to do here
    );
  }
}
