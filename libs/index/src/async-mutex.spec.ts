import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { AsyncMutex } from './async-mutex';

describe('AsyncMutex', () => {
  it('runs sections one at a time in call order', async () => {
    const mutex = new AsyncMutex();
    const events: string[] = [];
    await Promise.all(
      [30, 10, 0].map((delay, i) =>
        mutex.run(async () => {
          events.push(`start ${i}`);
          await sleep(delay);
          events.push(`end ${i}`);
        }),
      ),
    );
    expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('passes results and errors to the caller without blocking later sections', async () => {
    const mutex = new AsyncMutex();
    const failing = mutex.run(() => {
      throw new Error('boom');
    });
    const next = mutex.run(() => 42);
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe(42);
  });
});
