/** Drives async requests with a fixed number in flight. */

/** Runs task(0 .. total-1) with at most `concurrency` running at once; the first failure rejects. */
export async function runWithConcurrency(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < total) {
      const i = next++;
      try {
        await task(i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

export interface TimedRun {
  requests: number;
  seconds: number;
  latenciesMs: Float64Array;
}

/**
 * Calls request(i % items) with `concurrency` in flight, in rounds over all items, until at least
 * `minSeconds` have passed (always at least one full round). Latency = start to resolve of each call.
 */
export async function timedRounds(items: number, concurrency: number, minSeconds: number, request: (i: number) => Promise<void>): Promise<TimedRun> {
  const latencies: number[] = [];
  const start = process.hrtime.bigint();
  const elapsedSeconds = (): number => Number(process.hrtime.bigint() - start) / 1e9;
  do {
    await runWithConcurrency(items, concurrency, async (i) => {
      const t0 = process.hrtime.bigint();
      await request(i);
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  } while (elapsedSeconds() < minSeconds);
  return { requests: latencies.length, seconds: elapsedSeconds(), latenciesMs: Float64Array.from(latencies) };
}
