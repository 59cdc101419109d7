import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

describe('lowerThisThreadsPriority', () => {
  it.skipIf(process.platform !== 'linux')('lowers the worker thread that calls it (never raises it above a niced process), not the event loop thread', async () => {
    const helper = require.resolve('./background-thread-priority.ts');
    const source = `require(${JSON.stringify(require.resolve('tsx/cjs'))});
      const { getPriority } = require('node:os');
      const { lowerThisThreadsPriority } = require(${JSON.stringify(helper)});
      const set = lowerThisThreadsPriority();
      require('node:worker_threads').parentPort.postMessage({ set, now: getPriority() });`;
    const before = getPriority();
    const reply = await new Promise<{ set: number | null; now: number }>((resolve, reject) => {
      const worker = new Worker(source, { eval: true });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(reply).toEqual({ set: Math.max(10, before), now: Math.max(10, before) });
    expect(getPriority()).toBe(before);
  });
});
