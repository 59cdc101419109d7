import type { ErrorBody } from '@faceshard/contracts';
import type { AnalyzeOptions, FaceAnalysis, RecognizerInfo, StageTiming } from './analysis-types';
import type { PipelineConfig } from './pipeline-config';

/** workerData of a pipeline worker thread: what models to load. */
export interface PipelineWorkerData {
  config: PipelineConfig;
}

export type ToWorker = { type: 'analyze'; id: number; bytes: Uint8Array; options: AnalyzeOptions } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; detectorName: string; recognizerInfo: RecognizerInfo }
  | { type: 'init-error'; error: ErrorBody }
  | { type: 'result'; id: number; analysis: FaceAnalysis; stages: StageTiming[] }
  | { type: 'error'; id: number; error: ErrorBody }
  | { type: 'closed' };
