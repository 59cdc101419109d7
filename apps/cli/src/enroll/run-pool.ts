/**
 * Runs `work` over the items with at most `concurrency` in flight, in order of the items.
 * `stopped()` is asked before each item is taken: once it says yes, no new item starts and the
 * pool resolves when those in flight are done (Ctrl-C keeps finished work, loses none).
 */
export async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>, stopped: () => boolean = () => false): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (!stopped() && next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}
