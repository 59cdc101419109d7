/**
 * Runs async sections one at a time, in call order. Mutations and snapshot capture go
 * through one of these, so the log order is exactly the order changes hit memory.
 */
export class AsyncMutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(() => section());
    // A failed section must not block the ones queued after it.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
