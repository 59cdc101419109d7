import { describe, expect, it } from 'vitest';
import { FaceshardError } from '@faceshard/contracts';
import { AdmissionGate } from './admission-gate';

/** Work the test finishes by hand, recording when it started. */
function controllable() {
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  const job = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      finishers.set(name, () => resolve(name));
    });
  return { started, finish: (name: string) => finishers.get(name)!(), job };
}

const tick = () => new Promise((r) => setImmediate(r));
const limits = { maxConcurrent: 2, maxQueued: 1, retryAfterMs: 750 };

describe('AdmissionGate', () => {
  it('runs at most maxConcurrent at once, queues up to maxQueued, and refuses the next with a retryable BUSY', async () => {
    const gate = new AdmissionGate('searches', limits);
    const { started, finish, job } = controllable();
    const a = gate.run(undefined, job('a'));
    const b = gate.run(undefined, job('b'));
    const c = gate.run(undefined, job('c'));
    await expect(gate.run(undefined, job('d'))).rejects.toMatchObject({ code: 'BUSY', retryable: true, details: { retryAfterMs: 750 } });
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(gate.stats).toEqual({ running: 2, queued: 1 });
    finish('a');
    await a;
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    finish('b');
    finish('c');
    expect(await Promise.all([b, c])).toEqual(['b', 'c']);
    expect(gate.stats).toEqual({ running: 0, queued: 0 });
  });

  it('drops work whose deadline has already passed, without running it', async () => {
    let now = 1000;
    const gate = new AdmissionGate('writes', limits, () => now);
    let ran = false;
    await expect(gate.run(999, async () => (ran = true))).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED', retryable: true });
    expect(ran).toBe(false);
    now = 1000;
    expect(await gate.run(1000, async () => 'on time')).toBe('on time');
  });

  it('drops queued work whose deadline passes while it waits, and gives its place and slot to the next', async () => {
    const gate = new AdmissionGate('writes', { maxConcurrent: 1, maxQueued: 2, retryAfterMs: 100 });
    const { started, finish, job } = controllable();
    const a = gate.run(undefined, job('a'));
    const late = gate.run(performance.now() + 20, job('late'));
    const patient = gate.run(undefined, job('patient'));
    await expect(late).rejects.toBeInstanceOf(FaceshardError);
    await expect(late).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(gate.stats).toEqual({ running: 1, queued: 1 });
    finish('a');
    await a;
    await tick();
    expect(started).toEqual(['a', 'patient']);
    finish('patient');
    await patient;
    expect(gate.stats).toEqual({ running: 0, queued: 0 });
  });

  it('frees the slot when the work fails', async () => {
    const gate = new AdmissionGate('writes', { maxConcurrent: 1, maxQueued: 0, retryAfterMs: 100 });
    await expect(gate.run(undefined, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run(undefined, async () => 'next')).toBe('next');
  });
});
