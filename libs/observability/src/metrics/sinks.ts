/**
 * The small interfaces services report through (libs/index declares its own, IndexMetricsSink,
 * so storage code needs nothing from here), so code that reports never imports prom-client and stays testable (tests pass a recording sink, production a
 * prom-client-backed one, a process with metrics off the no-op one).
 */

/** One stage of one analysed photo (decode, detect, landmarks, align, embed), measured where it ran: a worker thread. */
export interface StageTime {
  stage: string;
  startMs: number;
  endMs: number;
}

/** The face pipeline pool (gateway). */
export interface InferenceMetricsSink {
  photoAnalysed(models: { detector: string; recognizer: string }, stages: readonly StageTime[]): void;
  photoRejected(): void;
}

/** Gateway -> shard requests and the answers they make up. */
export interface FanOutMetricsSink {
  shardReply(shardId: string, op: string, outcome: string, seconds: number): void;
  /** One shard missing from an answer, by its error code. */
  shardMissing(cause: string): void;
}

export type CacheOutcome = 'hit' | 'miss' | 'error';

export interface CacheMetricsSink {
  lookup(outcome: CacheOutcome): void;
}

const nothing = (): void => undefined;

export const NO_INFERENCE_METRICS: InferenceMetricsSink = { photoAnalysed: nothing, photoRejected: nothing };
export const NO_FAN_OUT_METRICS: FanOutMetricsSink = { shardReply: nothing, shardMissing: nothing };
export const NO_CACHE_METRICS: CacheMetricsSink = { lookup: nothing };
