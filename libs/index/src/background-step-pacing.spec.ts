import { describe, expect, it } from 'vitest';
import { fixedSteps, nextStep, type StepPacing } from './background-step-pacing';

const pacing: StepPacing = { minStepBytes: 64, maxStepBytes: 1024, initialStepBytes: 256, targetSyncMs: 2, pauseFactor: 1, maxPauseMs: 50 };

describe('nextStep', () => {
  it('halves the step when its sync took longer than the target', () => {
    expect(nextStep(pacing, 256, 2.1).stepBytes).toBe(128);
  });

  it('doubles the step when its sync took under half the target', () => {
    expect(nextStep(pacing, 256, 0.9).stepBytes).toBe(512);
  });

  it('keeps the step when its sync took between half the target and the target', () => {
    expect(nextStep(pacing, 256, 1).stepBytes).toBe(256);
    expect(nextStep(pacing, 256, 2).stepBytes).toBe(256);
  });

  it('stays within the smallest and the largest step', () => {
    expect(nextStep(pacing, 64, 40).stepBytes).toBe(64);
    expect(nextStep(pacing, 1024, 0.1).stepBytes).toBe(1024);
  });

  it('pauses as long as the sync took, times the factor, at most maxPauseMs', () => {
    expect(nextStep(pacing, 256, 3).pauseMs).toBe(3);
    expect(nextStep({ ...pacing, pauseFactor: 2 }, 256, 3).pauseMs).toBe(6);
    expect(nextStep(pacing, 256, 80).pauseMs).toBe(50);
  });

  it('fixed steps never change size and never pause', () => {
    const fixed = fixedSteps(1000);
    for (const syncMs of [0, 1, 5, 500]) expect(nextStep(fixed, 1000, syncMs)).toEqual({ stepBytes: 1000, pauseMs: 0 });
  });
});
