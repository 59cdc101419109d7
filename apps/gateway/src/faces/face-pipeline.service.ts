import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { FaceshardError } from '@faceshard/contracts';
import { createPipelineFromConfig, type FaceAnalysis, type WorkerFacePipeline } from '@faceshard/vision';
import type { FacesConfig } from './faces-config';
import { FACES_CONFIG } from './faces.tokens';
import { GATEWAY_METRICS, NO_GATEWAY_METRICS, type GatewayMetrics } from '../observability/gateway-metrics';
import type { InferenceMetricsSink } from '@faceshard/observability';
import type { ReadinessCheck } from '../health/readiness.service';

/** A model as GET /v1/models lists it. */
export interface FaceModelInfo {
  id: string;
  dimension: number;
  metric: 'cosine';
  defaultThreshold: number;
  detector: string;
  inputSize: number;
}

/**
 * The worker-thread pool that runs decode -> detect -> align -> embed off the event loop.
 * `workers` threads, a queue of `queue` photos; past that, analyze() refuses at once with 429
 * BUSY and a Retry-After. Models load in the background at start (preload) or on first use.
 */
@Injectable()
export class FacePipelineService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('FacePipeline');
  private loading?: Promise<WorkerFacePipeline>;
  private loaded?: WorkerFacePipeline;
  /** Why the last load failed (cleared once a load succeeds). */
  private loadFailure?: string;

  private readonly metrics: InferenceMetricsSink;

  constructor(
    @Inject(FACES_CONFIG) private readonly config: FacesConfig,
    @Optional() @Inject(GATEWAY_METRICS) gatewayMetrics: GatewayMetrics = NO_GATEWAY_METRICS,
  ) {
    // Queue depth is read at scrape time; zero until the models are loaded.
    const load = () => this.loaded?.load;
    this.metrics = gatewayMetrics.inference({
      get running() {
        return load()?.running ?? 0;
      },
      get queued() {
        return load()?.queued ?? 0;
      },
    });
  }

  onModuleInit(): void {
    if (this.config.preload) this.load().catch((error: Error) => this.logger.error(`face models failed to load: ${error.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    const pipeline = await this.loading?.catch(() => undefined);
    await pipeline?.close();
  }

  /** True once the models are loaded. */
  get ready(): boolean {
    return this.loaded !== undefined;
  }

  /**
   * The readiness condition "models loaded" (/health/ready): a gateway that cannot analyse photos
   * must not get traffic. Loading at start (the default): not ready until loaded; after a failed
   * load, each probe starts another attempt (a model file put in place later is picked up). With
   * FACE_PRELOAD=false the operator chose to load on the first photo: ready without them.
   */
  readiness(): ReadinessCheck {
    if (this.loaded) return { ok: true, detail: `loaded (${this.loaded.detectorName}, ${this.loaded.recognizerInfo.name})` };
    const failure = this.loadFailure;
    if (failure !== undefined) {
      if (!this.loading) this.load().catch(() => undefined);
      return { ok: false, detail: `failed to load, trying again: ${failure}` };
    }
    if (!this.config.preload) return { ok: true, detail: 'loaded on the first photo (FACE_PRELOAD=false)' };
    return { ok: false, detail: 'loading' };
  }

  async model(): Promise<FaceModelInfo> {
    const pipeline = await this.load();
    const r = pipeline.recognizerInfo;
    return { id: r.name, dimension: r.dimension, metric: r.metric, defaultThreshold: r.defaultThreshold, detector: pipeline.detectorName, inputSize: r.inputSize };
  }

  /** Every face of the photo, quality measured but not judged (callers apply their own minimum). */
  async analyze(bytes: Uint8Array): Promise<FaceAnalysis> {
    const pipeline = await this.load();
    try {
      return await pipeline.analyze(bytes, { onQualityFailure: 'mark' });
    } catch (error) {
      if (error instanceof FaceshardError && error.code === 'BUSY') {
        this.metrics.photoRejected();
        throw new FaceshardError('BUSY', `${error.message}; retry in ${this.config.busyRetryAfterS} s`, {
          ...error.details,
          retryAfterS: this.config.busyRetryAfterS,
        });
      }
      throw error;
    }
  }

  private load(): Promise<WorkerFacePipeline> {
    this.loading ??= this.startLoading();
    return this.loading;
  }

  private startLoading(): Promise<WorkerFacePipeline> {
    return createPipelineFromConfig({
      detector: this.config.detector,
      recognizer: this.config.recognizer,
      limits: {
        maxConcurrent: this.config.workers,
        maxQueued: this.config.queue,
        maxFaces: Math.max(32, this.config.maxFacesPerPhoto),
        decode: { maxBytes: this.config.maxImageBytes, maxPixels: this.config.maxImagePixels },
      },
    }).then(
      (pipeline) => {
        const models = { detector: pipeline.detectorName, recognizer: pipeline.recognizerInfo.name };
        pipeline.onStages = (stages) => this.metrics.photoAnalysed(models, stages);
        this.loaded = pipeline;
        this.loadFailure = undefined;
        return pipeline;
      },
      (error: Error) => {
        this.loading = undefined; // the next request (or readiness probe) tries again
        this.loadFailure = error.message;
        // Not the client's fault nor an internal bug: this gateway cannot do photos until its models load.
        throw new FaceshardError('MODELS_UNAVAILABLE', `the face models could not be loaded: ${error.message}`, (error as FaceshardError).details);
      },
    );
  }
}
