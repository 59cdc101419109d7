import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_STEP_PACING, fixedSteps, nextStep, type StepPacing } from './background-step-pacing';
import { NO_LOG_ACTIVITY, type LogSyncActivity } from './log-sync-activity';

/** A step waits at most this long for the log's round in flight to end. */
const DEFER_TO_LOG_MS = 20;

export interface PacedStepsOptions {
  /** Step sizes and pauses (background-step-pacing.ts); a number: fixed steps of that many bytes, no pause. */
  pacing?: StepPacing | number;
  /** The log the steps give way to: no step starts while a round of it is in flight. */
  log?: LogSyncActivity;
  /** How long a step waits at most for the log's round in flight (default 20 ms). */
  deferToLogMs?: number;
}

/**
 * Background disk work over `totalBytes` in steps that give the log priority: a step (which ends
 * with an fdatasync) starts only when no log round is in flight, its size follows how long the
 * previous one took, and a pause follows it (background-step-pacing.ts). `step(at, length)` does
 * one step; steps cover [0, totalBytes) in order.
 */
export async function runPacedSteps(totalBytes: number, options: PacedStepsOptions, step: (at: number, length: number) => Promise<void>): Promise<void> {
  const pacing = pacingOf(options);
  const log = options.log ?? NO_LOG_ACTIVITY;
  const deferToLogMs = options.deferToLogMs ?? DEFER_TO_LOG_MS;
  let stepBytes = pacing.initialStepBytes;
  for (let at = 0; at < totalBytes; ) {
    await log.idle(deferToLogMs);
    const length = Math.min(stepBytes, totalBytes - at);
    const started = performance.now();
    await step(at, length);
    at += length;
    const next = nextStep(pacing, stepBytes, performance.now() - started);
    stepBytes = next.stepBytes;
    if (next.pauseMs > 0 && at < totalBytes) await sleep(next.pauseMs);
  }
}

export function pacingOf(options: PacedStepsOptions, fallback: StepPacing = DEFAULT_STEP_PACING): StepPacing {
  return typeof options.pacing === 'number' ? fixedSteps(options.pacing) : (options.pacing ?? fallback);
}
